/**
 * A records-index row on its way into and out of SQL: the input checks of
 * the Records port (every driver refuses the same rows), the text
 * normalization that lets any log entry be indexed, the conversion of
 * columns back to a RecordRow, and row equality for idempotent inserts.
 */
import { isValidName } from '../log-catalog.js';
import { MAX_QUERY_LIMIT, MAX_SEARCH_WORDS, type RecordQuery, type RecordRow } from '../metadata.js';
import { check, isInt, toNullableInteger, toSafeInteger } from './columns.js';
import { MAX_IDX } from './record-ids.js';
import { searchTerms } from './search-terms.js';

/** An entry is at most 65,535 bytes, so none of its strings is longer. */
const MAX_TEXT = 65_535;
const MAX_QUERY_TEXT = 10_000;

export function checkRow(r: RecordRow): void {
  check(typeof r === 'object' && r !== null, 'a record row is an object');
  checkNames(r.tenant, r.log);
  check(isInt(r.idx, 0, MAX_IDX - 1), `idx must be an integer in [0, 2^43): ${String(r.idx)}`);
  check(isText(r.level, 64) && r.level.length > 0, 'level is 1-64 characters');
  check(isText(r.message, MAX_TEXT), 'message is text of at most 65,535 characters');
  check(isText(r.metadata, MAX_TEXT), 'metadata is text of at most 65,535 characters');
  check(isText(r.actor, 1024), 'actor is text of at most 1,024 characters');
  check(r.host === null || isText(r.host, 1024), 'host is null or text of at most 1,024 characters');
  check(r.pid === null || isInt(r.pid, Number.MIN_SAFE_INTEGER), 'pid is null or a safe integer');
  check(isInt(r.ts, Number.MIN_SAFE_INTEGER), 'ts is a safe integer (ms)');
  check(isInt(r.size, 0), 'size is a non-negative safe integer');
}

const isText = (s: unknown, max: number): s is string => typeof s === 'string' && s.length <= max;

/**
 * The row as stored: U+0000 (which PostgreSQL text cannot hold) and
 * unpaired surrogates (which UTF-8 cannot) become U+FFFD, on every
 * dialect, so that every entry of a log can be indexed and reads agree.
 */
export function storedRow(r: RecordRow): RecordRow {
  return {
    tenant: r.tenant,
    log: r.log,
    idx: r.idx,
    level: storable(r.level),
    message: storable(r.message),
    metadata: storable(r.metadata),
    actor: storable(r.actor),
    host: r.host === null ? null : storable(r.host),
    pid: r.pid,
    ts: r.ts,
    size: r.size,
  };
}

export const storable = (s: string): string => s.replace(/[\u0000\p{Cs}]/gu, '\uFFFD');

export function checkNames(tenant: string, log: string): void {
  check(
    isValidName(tenant) && isValidName(log),
    `invalid log name ${String(tenant).slice(0, 80)}/${String(log).slice(0, 80)}`,
  );
}

/** Checks a query and returns its search words. */
export function checkQuery(q: RecordQuery): string[] {
  check(typeof q === 'object' && q !== null, 'a query is an object');
  checkNames(q.tenant, q.log);
  check(isInt(q.limit, 1, MAX_QUERY_LIMIT), `limit must be an integer in [1, ${MAX_QUERY_LIMIT}]`);
  check(q.cursor === undefined || isInt(q.cursor, 0), 'cursor must be a non-negative integer');
  check(q.from === undefined || isInt(q.from, Number.MIN_SAFE_INTEGER), 'from must be a safe integer');
  check(q.to === undefined || isInt(q.to, Number.MIN_SAFE_INTEGER), 'to must be a safe integer');
  check(
    q.level === undefined ||
      (Array.isArray(q.level) && q.level.length <= 16 && q.level.every((l) => isText(l, 64))),
    'level is a list of at most 16 level names',
  );
  if (q.text === undefined) return [];
  check(typeof q.text === 'string' && q.text.length <= MAX_QUERY_TEXT, 'text is at most 10,000 characters');
  const terms = searchTerms(q.text);
  check(terms.length <= MAX_SEARCH_WORDS, `a search holds at most ${MAX_SEARCH_WORDS} distinct words`);
  return terms;
}

/** The words a row is found by: those of its message and metadata. */
export function rowTerms(r: RecordRow): string {
  return searchTerms(`${r.message} ${r.metadata}`).join(' ');
}

/** The columns that make a RecordRow, for `select`. */
export const RECORD_COLUMNS = [
  'records.tenant',
  'records.log',
  'records.idx',
  'records.level',
  'records.message',
  'records.metadata',
  'records.actor',
  'records.host',
  'records.pid',
  'records.ts',
  'records.size',
] as const;

export interface RecordColumns {
  tenant: string;
  log: string;
  idx: number | string;
  level: string;
  message: string;
  metadata: string;
  actor: string;
  host: string | null;
  pid: number | string | null;
  ts: number | string;
  size: number | string;
}

export function toRow(c: RecordColumns): RecordRow {
  return {
    tenant: c.tenant,
    log: c.log,
    idx: toSafeInteger(c.idx, 'records.idx'),
    level: c.level,
    message: c.message,
    metadata: c.metadata,
    actor: c.actor,
    host: c.host,
    pid: toNullableInteger(c.pid, 'records.pid'),
    ts: toSafeInteger(c.ts, 'records.ts'),
    size: toSafeInteger(c.size, 'records.size'),
  };
}

export function sameRow(a: RecordRow, b: RecordRow): boolean {
  return (
    a.tenant === b.tenant &&
    a.log === b.log &&
    a.idx === b.idx &&
    a.level === b.level &&
    a.message === b.message &&
    a.metadata === b.metadata &&
    a.actor === b.actor &&
    a.host === b.host &&
    a.pid === b.pid &&
    a.ts === b.ts &&
    a.size === b.size
  );
}
