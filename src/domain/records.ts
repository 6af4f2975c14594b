/**
 * The immutable logger: leveled records written as canonical JSON entries
 * of a tenant's `records` log, and indexed in the metadata database for
 * reading, searching and statistics. The log is the source of truth; the
 * index is derived from it and can always be rebuilt from it (`catchUp`).
 */
import { auditLog } from '../ledger/audit.js';
import type { LogRegistry } from '../ledger/registry.js';
import { StorageError } from '../storage/errors.js';
import type { RecordRow, RecordStats, Records } from '../storage/metadata.js';
import type { ObjectStore } from '../storage/object-store.js';
import { MAX_ENTRY_SIZE } from '../tlog/bundle.js';
import { canonicalBytes } from './canonical-json.js';
import { DomainError } from './errors.js';

/** The levels of seed 004's logger, in order of the API's methods. */
export const LEVELS = [
  'INFO',
  'WARN',
  'ERROR',
  'CRITICAL',
  'AUDIT',
  'SECURITY',
  'REVENUE',
  'SYSTEM',
] as const;
export type Level = (typeof LEVELS)[number];

/** The log records go to. */
export const RECORDS_LOG = 'records';

/** A record as a client writes it. */
export interface NewRecord {
  readonly level: string;
  readonly message: string;
  readonly metadata?: unknown;
  /** The client's host name and process id, for traceability. */
  readonly host?: string;
  readonly pid?: number;
}

/** A record as stored and read back. */
export interface StoredRecord {
  readonly index: number;
  readonly level: Level;
  readonly message: string;
  readonly metadata: unknown;
  /** The API key that wrote it. */
  readonly actor: string;
  readonly host: string | null;
  readonly pid: number | null;
  /** Server time of the write (ISO 8601 UTC). */
  readonly time: string;
  /** Bytes of the log entry. */
  readonly size: number;
}

/** The JSON object of one record entry (schema `vellum.record` v1). */
interface RecordEntry {
  type: 'vellum.record';
  v: 1;
  level: Level;
  message: string;
  metadata: unknown;
  actor: string;
  host: string | null;
  pid: number | null;
  time: string;
}

export interface RecordFilter {
  readonly level?: readonly string[];
  readonly from?: number;
  readonly to?: number;
  readonly text?: string;
  readonly limit?: number;
  readonly cursor?: number;
}

export interface RecordServiceDeps {
  readonly registry: LogRegistry;
  readonly records: Records;
  readonly store: (tenant: string, log: string) => ObjectStore;
  readonly now?: () => Date;
}

const MAX_MESSAGE = 16 * 1024;

/** The outcome of the latest audit of a records log. */
export interface Verified {
  readonly ok: boolean;
  /** The tree size the audit covered. */
  readonly size: number;
  /** When it ran. */
  readonly at: string;
}

/** How long an audit result is reused by `stats` (when the log has not grown). */
const VERIFY_TTL_MS = 60_000;

export class RecordService {
  readonly #d: RecordServiceDeps;
  readonly #verified = new Map<string, { ok: boolean; size: number; checkedAt: number }>();
  readonly #now: () => Date;

  constructor(d: RecordServiceDeps) {
    this.#d = d;
    this.#now = d.now ?? (() => new Date());
  }

  /**
   * Writes records for `actor` in `tenant`: MUST NOT resolve before every
   * record is a durable entry of the records log; the index follows (a
   * failed index write is repaired by `catchUp` from the log).
   */
  async write(tenant: string, actor: string, items: readonly NewRecord[]): Promise<number[]> {
    if (!Array.isArray(items) || items.length === 0)
      throw new DomainError('bad-request', 'no records to write');
    if (items.length > 10_000) throw new DomainError('bad-request', 'at most 10,000 records per request');
    const time = this.#now().toISOString();
    const entries = items.map((item, i) => encodeRecord(check(item, i), actor, time, i));
    const log = await this.#d.registry.get(tenant, RECORDS_LOG);
    const indexes = await log.appendMany(entries.map((e) => e.bytes));
    const rows = entries.map((e, i) => toRow(tenant, indexes[i]!, e.entry, e.bytes.length));
    try {
      // Deduplicated appends can repeat an index: index each once.
      const seen = new Set<number>();
      await this.#d.records.insert(rows.filter((r) => !seen.has(r.idx) && seen.add(r.idx)));
    } catch (e) {
      process.emitWarning(
        `records index of ${tenant} is behind; it catches up on the next read: ${(e as Error).message}`,
      );
    }
    return indexes;
  }

  /** One page of records, newest first, with a cursor for the next page. */
  async query(
    tenant: string,
    f: RecordFilter,
  ): Promise<{ records: StoredRecord[]; nextCursor: number | null }> {
    await this.catchUp(tenant);
    const levels = f.level?.map((l) => l.toUpperCase());
    for (const l of levels ?? []) {
      if (!(LEVELS as readonly string[]).includes(l))
        throw new DomainError('bad-request', `unknown level ${JSON.stringify(l)}`);
    }
    const limit = f.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
      throw new DomainError('bad-request', 'limit must be 1..1000');
    try {
      const page = await this.#d.records.query({
        tenant,
        log: RECORDS_LOG,
        limit,
        ...(levels?.length ? { level: levels } : {}),
        ...(f.from !== undefined ? { from: f.from } : {}),
        ...(f.to !== undefined ? { to: f.to } : {}),
        ...(f.text ? { text: f.text } : {}),
        ...(f.cursor !== undefined ? { cursor: f.cursor } : {}),
      });
      return { records: page.rows.map(fromRow), nextCursor: page.nextCursor };
    } catch (e) {
      if (e instanceof StorageError && e.code === 'bad-key') throw new DomainError('bad-request', e.message);
      throw e;
    }
  }

  /**
   * Counts per level, sizes, oldest and newest, the log's size, and whether
   * the records log audits clean (`verified`, from a full audit at most
   * `VERIFY_TTL_MS` old and covering at least the size it names).
   */
  async stats(tenant: string): Promise<RecordStats & { logSize: number; verified: Verified }> {
    await this.catchUp(tenant);
    const s = await this.#d.records.stats(tenant, RECORDS_LOG);
    const log = await this.#d.registry.get(tenant, RECORDS_LOG);
    const size = log.head().size;
    let v = this.#verified.get(tenant);
    if (!v || v.size < size || Date.now() - v.checkedAt > VERIFY_TTL_MS) {
      const r = await this.verify(tenant);
      v = { ok: r.ok, size: r.size, checkedAt: Date.now() };
      this.#verified.set(tenant, v);
    }
    return {
      ...s,
      logSize: size,
      verified: { ok: v.ok, size: v.size, at: new Date(v.checkedAt).toISOString() },
    };
  }

  /** Audits the records log up to its latest checkpoint, as an outside auditor would. */
  async verify(
    tenant: string,
  ): Promise<{ ok: boolean; size: number; root: string; item?: string; reason?: string }> {
    const log = await this.#d.registry.get(tenant, RECORDS_LOG);
    const store = this.#d.store(tenant, RECORDS_LOG);
    const head = log.head();
    const result = await auditLog(
      { location: `${tenant}/${RECORDS_LOG}`, read: (p) => store.get(p) },
      { logKey: log.verifier, checkpoint: new TextEncoder().encode(head.note) },
    );
    const root = Buffer.from(head.root).toString('base64');
    return result.ok
      ? { ok: true, size: head.size, root }
      : { ok: false, size: head.size, root, item: result.item, reason: result.reason };
  }

  /** Indexes entries of the records log that the index does not have yet. */
  async catchUp(tenant: string): Promise<number> {
    const log = await this.#d.registry.get(tenant, RECORDS_LOG);
    const s = await this.#d.records.stats(tenant, RECORDS_LOG);
    const from = s.lastIndex === null ? 0 : s.lastIndex + 1;
    const size = log.head().size;
    let added = 0;
    for (let start = from; start < size; start += 1024) {
      const rows: RecordRow[] = [];
      for await (const { index, entry } of log.readSince(start, 1024)) {
        const parsed = parseRecord(entry);
        if (parsed) rows.push(toRow(tenant, index, parsed, entry.length));
      }
      if (rows.length) added += await this.#d.records.insert(rows);
    }
    return added;
  }
}

function check(item: NewRecord, i: number): NewRecord & { level: Level } {
  const bad = (why: string) => new DomainError('bad-request', `record ${i}: ${why}`);
  if (typeof item !== 'object' || item === null) throw bad('not an object');
  const level = typeof item.level === 'string' ? item.level.toUpperCase() : '';
  if (!(LEVELS as readonly string[]).includes(level)) throw bad(`level must be one of ${LEVELS.join(', ')}`);
  if (typeof item.message !== 'string' || item.message.length === 0)
    throw bad('message must be a non-empty string');
  if (item.message.length > MAX_MESSAGE) throw bad(`message is over ${MAX_MESSAGE} characters`);
  if (item.host !== undefined && (typeof item.host !== 'string' || item.host.length > 255))
    throw bad('host must be a string of at most 255 characters');
  if (item.pid !== undefined && !(Number.isSafeInteger(item.pid) && item.pid >= 0))
    throw bad('pid must be a non-negative integer');
  return { ...item, level: level as Level };
}

function encodeRecord(item: NewRecord & { level: Level }, actor: string, time: string, i: number) {
  const entry: RecordEntry = {
    type: 'vellum.record',
    v: 1,
    level: item.level,
    message: item.message,
    metadata: item.metadata ?? {},
    actor,
    host: item.host ?? null,
    pid: item.pid ?? null,
    time,
  };
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(entry);
  } catch (e) {
    throw new DomainError('bad-request', `record ${i}: ${(e as Error).message}`);
  }
  if (bytes.length > MAX_ENTRY_SIZE) {
    throw new DomainError(
      'bad-request',
      `record ${i} is ${bytes.length} bytes as JSON; the limit is ${MAX_ENTRY_SIZE} (store large data as an artifact and log its digest)`,
    );
  }
  return { entry, bytes };
}

function parseRecord(bytes: Uint8Array): RecordEntry | undefined {
  try {
    const o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as RecordEntry;
    const ok =
      o?.type === 'vellum.record' &&
      o.v === 1 &&
      (LEVELS as readonly string[]).includes(o.level) &&
      typeof o.message === 'string' &&
      typeof o.actor === 'string' &&
      Number.isFinite(Date.parse(o.time));
    return ok ? o : undefined;
  } catch {
    return undefined; // not a record entry (the log may hold other entries): not indexed
  }
}

function toRow(tenant: string, idx: number, e: RecordEntry, size: number): RecordRow {
  return {
    tenant,
    log: RECORDS_LOG,
    idx,
    level: e.level,
    message: e.message,
    metadata: JSON.stringify(e.metadata ?? {}),
    actor: e.actor,
    host: e.host,
    pid: e.pid,
    ts: Date.parse(e.time),
    size,
  };
}

function fromRow(r: RecordRow): StoredRecord {
  let metadata: unknown;
  try {
    metadata = JSON.parse(r.metadata);
  } catch {
    metadata = r.metadata;
  }
  return {
    index: r.idx,
    level: r.level as Level,
    message: r.message,
    metadata,
    actor: r.actor,
    host: r.host,
    pid: r.pid,
    time: new Date(r.ts).toISOString(),
    size: r.size,
  };
}
