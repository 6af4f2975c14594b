/**
 * `vellum log read|search|stats <tenant>`: the records the immutable
 * logger wrote to a tenant's `records` log (routes /v1/records/...),
 * newest first, as readable lines or, with --json, as the API answers.
 */
import type { Level, LogRecord, RecordFilter } from '../client/types.js';
import { LEVELS } from '../domain/records.js';
import {
  API_FLAGS,
  API_OPTIONS,
  call,
  connect,
  flag,
  helpAsked,
  numberArg,
  oneLine,
  table,
  tenantArg,
} from './api.js';
import { type FlagSpec, parseArgs } from './args.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum log read <tenant> [filters] [--json]
       vellum log search <tenant> <text> [filters] [--json]
       vellum log stats <tenant> [--json]

The tenant's records (what the immutable logger, ImmutableLogger in the SDK,
wrote to its records log), newest first, one per line:
  <time>  <level>  #<index>  <message>  <metadata as JSON>

  --level L[,L]   only these levels: ${LEVELS.join(', ')}
  --from T        from this time on (inclusive): ISO 8601 (2026-05-08T10:00:00Z) or ms since 1970
  --to T          before this time (exclusive)
  --limit N       at most N records (1-1000, default 100)
  --cursor C      the next page: the cursor the previous page printed
  <text>          search: records whose message or metadata hold every word
  --json          print the API's answer as JSON ({records, nextCursor} or the stats)
${API_OPTIONS}

Reading needs a key of the tenant that may read its records (tenant-admin, auditor).`;

export async function records(sub: 'read' | 'search' | 'stats', args: string[], io: Io): Promise<number> {
  const filters: Record<string, FlagSpec> =
    sub === 'stats'
      ? {}
      : {
          level: { value: true },
          from: { value: true },
          to: { value: true },
          limit: { value: true },
          cursor: { value: true },
        };
  const { positional, flags } = parseArgs(args, { ...API_FLAGS, ...filters, json: {} }, USAGE);
  if (helpAsked(flags, USAGE, io)) return 0;
  const tenant = tenantArg(positional[0], USAGE);
  const json = flags.has('json');
  if (sub === 'stats') {
    if (positional.length !== 1) throw new CliError(`log stats takes exactly one tenant\n${USAGE}`);
    const api = connect(flags);
    const s = await call(
      api,
      `cannot read the record statistics of ${tenant}`,
      api.client.recordStats(tenant),
    );
    if (json) {
      io.stdout.write(`${JSON.stringify(s)}\n`);
      return 0;
    }
    io.stdout.write(
      table([
        ['records', String(s.totalEntries)],
        ['bytes', String(s.bytes)],
        ['oldest', s.oldestEntry ?? '-'],
        ['newest', s.newestEntry ?? '-'],
        ['log size', String(s.logSize)],
        ['indexed through', s.indexedThrough === null ? '-' : String(s.indexedThrough)],
        ...verifiedRow(s),
      ]),
    );
    const levels = Object.entries(s.levels).sort(([a], [b]) => a.localeCompare(b));
    if (levels.length > 0)
      io.stdout.write(`levels:\n${table(levels.map(([l, n]) => [`  ${l}`, String(n)]))}`);
    return 0;
  }
  let text: string | undefined;
  if (sub === 'search') {
    text = positional.slice(1).join(' ').trim();
    if (text === '') throw new CliError(`log search needs the text to look for\n${USAGE}`);
  } else if (positional.length !== 1) {
    throw new CliError(`log read takes exactly one tenant (to search text: vellum log search)\n${USAGE}`);
  }
  const filter: RecordFilter = {
    ...levelFilter(flag(flags, 'level')),
    ...timeFilter(flags, 'from'),
    ...timeFilter(flags, 'to'),
    ...(flags.has('limit') ? { limit: numberArg(flag(flags, 'limit'), '--limit', USAGE, 1, 1000) } : {}),
    ...(flags.has('cursor') ? { cursor: numberArg(flag(flags, 'cursor'), '--cursor', USAGE) } : {}),
    ...(text !== undefined ? { text } : {}),
  };
  const api = connect(flags);
  const page = await call(
    api,
    `cannot read the records of ${tenant}`,
    api.client.readRecords(tenant, filter),
  );
  if (json) {
    io.stdout.write(`${JSON.stringify(page)}\n`);
    return 0;
  }
  io.stdout.write(page.records.map((r) => `${line(r)}\n`).join(''));
  if (page.records.length === 0) io.stderr.write('(no records match)\n');
  if (page.nextCursor !== null) io.stderr.write(`(more: add --cursor ${page.nextCursor})\n`);
  return 0;
}

/** The server's latest audit of the records log, when it says (newer servers do). */
function verifiedRow(s: object): string[][] {
  const v = (s as { verified?: { ok?: unknown; size?: unknown; at?: unknown } }).verified;
  if (!v || typeof v.ok !== 'boolean') return [];
  return [['server audit', `${v.ok ? 'ok' : 'FAILED'} at size ${String(v.size)} (${String(v.at)})`]];
}

function line(r: LogRecord): string {
  const empty =
    r.metadata === null ||
    r.metadata === undefined ||
    (typeof r.metadata === 'object' && Object.keys(r.metadata as object).length === 0);
  const meta = empty ? '' : `  ${oneLine(JSON.stringify(r.metadata))}`;
  return `${r.time}  ${r.level.padEnd(8)}  #${r.index}  ${oneLine(r.message)}${meta}`;
}

function levelFilter(value: string | undefined): Pick<RecordFilter, 'level'> {
  if (value === undefined) return {};
  const levels = value
    .split(',')
    .map((l) => l.trim().toUpperCase())
    .filter((l) => l !== '');
  for (const l of levels)
    if (!LEVELS.includes(l as Level))
      throw new CliError(`--level: '${l}' is not a level; use ${LEVELS.join(', ')}\n${USAGE}`);
  if (levels.length === 0) throw new CliError(`--level needs at least one level\n${USAGE}`);
  return { level: levels as Level[] };
}

function timeFilter(flags: Map<string, string[]>, name: 'from' | 'to'): Pick<RecordFilter, 'from' | 'to'> {
  const v = flag(flags, name);
  if (v === undefined) return {};
  const ms = /^[0-9]+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new CliError(
      `--${name} must be a time: ISO 8601 (2026-05-08T10:00:00Z) or ms since 1970, not ${JSON.stringify(v)}\n${USAGE}`,
    );
  return { [name]: ms };
}
