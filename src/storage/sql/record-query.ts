/**
 * One page of a records query, planned so that no filter makes a page cost
 * a scan of the whole log, without trusting planner statistics (SQLite has
 * none; PostgreSQL's assume that matching rows are spread evenly along the
 * key, while `ts` follows `id`):
 *
 * - SQLite full text: FTS5 drives, walking the words' rowids of this log
 *   downward and stopping at the page size.
 * - Otherwise, phase 1 walks the newest RECENT ids below the cursor in key
 *   order. Common filters fill the page here.
 * - If they do not, matches are sparse, and phase 2 asks the rest of the
 *   range through the indexes: level (level, id), text (GIN), and for a
 *   time window holding few rows (counted, up to NARROW, on the ts index)
 *   the (tenant, log, ts) index with a sort; a wide window walks the key.
 *
 * Results are exact in every case: the phases cover disjoint id ranges,
 * each newest first.
 */
import { type Kysely, sql } from 'kysely';
import type { RecordRow } from '../metadata.js';
import { toSafeInteger } from './columns.js';
import type { Dialect } from './dialect.js';
import { recordId } from './record-ids.js';
import { RECORD_COLUMNS, toRow } from './record-row.js';
import type { Database } from './schema.js';
import { fts5Query, tsQuery } from './search-terms.js';

/** Ids walked in key order first (about 2 ms of rows on SQLite). */
const RECENT = 10_000n;
/** A time window with at most this many rows is read through the ts index and sorted. */
const NARROW = 50_000;

export interface Filters {
  readonly tenant: string;
  readonly log: string;
  /** The log's number (record-ids.ts). */
  readonly n: number;
  readonly terms: readonly string[];
  readonly levels: readonly string[] | undefined;
  readonly from: number | undefined;
  readonly to: number | undefined;
}

/** Up to `need` rows with lo <= id < hi matching `f`, newest first. */
export async function queryRecords(
  db: Kysely<Database>,
  dialect: Dialect,
  f: Filters,
  lo: bigint,
  hi: bigint,
  need: number,
): Promise<RecordRow[]> {
  if (f.terms.length > 0 && dialect === 'sqlite') return fts(db, f, lo, hi, need);
  const top = await db
    .selectFrom('records')
    .select('idx')
    .where('id', '>=', lo)
    .where('id', '<', hi)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!top) return [];
  const end = recordId(f.n, toSafeInteger(top.idx, 'records.idx')) + 1n;
  const split = end - lo > RECENT ? end - RECENT : lo;
  const recent = await select(db, f, split, end, need, 'key');
  if (recent.length >= need || split === lo) return recent;
  const timed = f.from !== undefined || f.to !== undefined;
  const order = timed && (await narrowWindow(db, f)) ? 'time' : 'key';
  return recent.concat(await select(db, f, lo, split, need - recent.length, order));
}

async function fts(db: Kysely<Database>, f: Filters, lo: bigint, hi: bigint, need: number) {
  const rows = await db
    .selectFrom('records_fts')
    .innerJoin('records', 'records.id', 'records_fts.rowid')
    .select(RECORD_COLUMNS)
    .where(sql.ref('records_fts.records_fts'), 'match', fts5Query(f.terms))
    .where('records_fts.rowid', '>=', lo)
    .where('records_fts.rowid', '<', hi)
    .$if(f.levels !== undefined, (b) => b.where('records.level', 'in', f.levels!))
    .$if(f.from !== undefined, (b) => b.where('records.ts', '>=', f.from!))
    .$if(f.to !== undefined, (b) => b.where('records.ts', '<', f.to!))
    .orderBy('records_fts.rowid', 'desc')
    .limit(need)
    .execute();
  return rows.map(toRow);
}

/**
 * Rows of [lo, hi) matching `f`, newest first. 'key' names no tenant or
 * log, so the primary key (or the level index) gives the order; 'time'
 * names them and orders by `id + 0`, which no index provides, so both
 * planners read the ts window through its index and sort it.
 */
async function select(
  db: Kysely<Database>,
  f: Filters,
  lo: bigint,
  hi: bigint,
  need: number,
  order: 'key' | 'time',
) {
  const rows = await db
    .selectFrom('records')
    .select(RECORD_COLUMNS)
    .where('records.id', '>=', lo)
    .where('records.id', '<', hi)
    .$if(order === 'time', (b) => b.where('records.tenant', '=', f.tenant).where('records.log', '=', f.log))
    .$if(f.levels !== undefined, (b) => b.where('records.level', 'in', f.levels!))
    .$if(f.from !== undefined, (b) => b.where('records.ts', '>=', f.from!))
    .$if(f.to !== undefined, (b) => b.where('records.ts', '<', f.to!))
    .$if(f.terms.length > 0, (b) =>
      b.where('records.tsv', '@@', sql<string>`cast(${tsQuery(f.terms)} as tsquery)`),
    )
    .$if(order === 'key', (b) => b.orderBy('records.id', 'desc'))
    .$if(order === 'time', (b) => b.orderBy(sql`${sql.ref('records.id')} + 0`, 'desc'))
    .limit(need)
    .execute();
  return rows.map(toRow);
}

/** Whether the time window holds at most NARROW rows of the log (an index-only count, bounded). */
async function narrowWindow(db: Kysely<Database>, f: Filters): Promise<boolean> {
  const inWindow = db
    .selectFrom('records')
    .select(sql<number>`1`.as('one'))
    .where('tenant', '=', f.tenant)
    .where('log', '=', f.log)
    .$if(f.from !== undefined, (b) => b.where('ts', '>=', f.from!))
    .$if(f.to !== undefined, (b) => b.where('ts', '<', f.to!))
    .limit(NARROW + 1);
  const { c } = await db
    .selectFrom(inWindow.as('w'))
    .select((eb) => eb.fn.countAll().as('c'))
    .executeTakeFirstOrThrow();
  return toSafeInteger(c, 'count') <= NARROW;
}
