/**
 * The records index in the metadata database (tables `records`,
 * `record_levels`, and the full-text index: SQLite `records_fts`, kept by
 * triggers in the inserting transaction; PostgreSQL `records.tsv`, a
 * generated column). Every query is bounded to one log's id range
 * (record-ids.ts) and planned by record-query.ts; every row it returns is
 * checked to belong to the log asked for, so no mistake can show one
 * tenant another's rows. See docs/metadata.md.
 */
import type { Kysely, Transaction } from 'kysely';
import { StorageError } from '../errors.js';
import type { RecordPage, RecordQuery, RecordRow, RecordStats, Records } from '../metadata.js';
import { toNullableInteger, toSafeInteger } from './columns.js';
import type { Dialect } from './dialect.js';
import { idRange, MAX_IDX, recordId } from './record-ids.js';
import { RecordLogNumbers } from './record-log-numbers.js';
import { queryRecords } from './record-query.js';
import {
  checkNames,
  checkQuery,
  checkRow,
  RECORD_COLUMNS,
  rowTerms,
  sameRow,
  storable,
  storedRow,
  toRow,
} from './record-row.js';
import type { Database } from './schema.js';
import { guard } from './unavailable.js';

/** Rows per INSERT statement (13 parameters each, well under both dialects' limits). */
const CHUNK = 500;

interface Item {
  readonly id: bigint;
  readonly row: RecordRow;
}

const rowKey = (r: { tenant: string; log: string; idx: number }) => `${r.tenant}/${r.log}/${r.idx}`;

export class SqlRecords implements Records {
  readonly #numbers: RecordLogNumbers;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {
    this.#numbers = new RecordLogNumbers(db);
  }

  async insert(rows: readonly RecordRow[]): Promise<number> {
    if (!Array.isArray(rows)) throw new StorageError('bad-key', 'rows must be an array');
    rows.forEach(checkRow);
    if (rows.length === 0) return 0;
    return guard('index records', async () => {
      const items = new Map<bigint, Item>();
      for (const row of rows.map(storedRow)) {
        const id = recordId((await this.#numbers.get(row.tenant, row.log, true))!, row.idx);
        const prev = items.get(id);
        if (prev && !sameRow(prev.row, row))
          throw new StorageError('exists-different', `two different rows for ${rowKey(row)}`);
        items.set(id, { id, row });
      }
      // Ascending ids: concurrent PostgreSQL inserts take row locks in one order and cannot deadlock.
      const sorted = [...items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return this.db.transaction().execute(async (trx) => {
        const fresh: Item[] = [];
        const stored: Item[] = [];
        for (let i = 0; i < sorted.length; i += CHUNK) {
          const chunk = sorted.slice(i, i + CHUNK);
          const done = await trx
            .insertInto('records')
            .values(chunk.map(({ id, row }) => ({ id, ...row, terms: rowTerms(row) })))
            .onConflict((oc) => oc.column('id').doNothing())
            .returning(['tenant', 'log', 'idx'])
            .execute();
          const added = new Set(done.map((d) => rowKey({ ...d, idx: toSafeInteger(d.idx, 'records.idx') })));
          for (const it of chunk) (added.has(rowKey(it.row)) ? fresh : stored).push(it);
        }
        await checkStored(trx, stored);
        await countLevels(trx, fresh);
        return fresh.length;
      });
    });
  }

  async query(q: RecordQuery): Promise<RecordPage> {
    const terms = checkQuery(q);
    return guard('query records', async () => {
      const n = await this.#numbers.get(q.tenant, q.log, false);
      if (n === undefined) return { rows: [], nextCursor: null };
      const { lo, hi } = idRange(n, q.cursor ?? MAX_IDX);
      const levels = q.level && q.level.length > 0 ? q.level.map(storable) : undefined;
      const f = { tenant: q.tenant, log: q.log, n, terms, levels, from: q.from, to: q.to };
      const found = await queryRecords(this.db, this.dialect, f, lo, hi, q.limit + 1);
      for (const r of found)
        if (r.tenant !== q.tenant || r.log !== q.log)
          throw new StorageError(
            'unavailable',
            `the records index of ${q.tenant}/${q.log} holds a foreign row`,
          );
      const rows = found.slice(0, q.limit);
      return { rows, nextCursor: found.length > q.limit ? rows[rows.length - 1]!.idx : null };
    });
  }

  async stats(tenant: string, log: string): Promise<RecordStats> {
    checkNames(tenant, log);
    return guard('read record stats', async () => {
      const n = await this.#numbers.get(tenant, log, false);
      if (n === undefined)
        return { total: 0, bytes: 0, levels: {}, oldest: null, newest: null, lastIndex: null };
      const { lo, hi } = idRange(n);
      // One snapshot for the counts and the edges (SQLite transactions always are one).
      return this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const counts = await trx
            .selectFrom('record_levels')
            .select(['level', 'count', 'bytes'])
            .where('tenant', '=', tenant)
            .where('log', '=', log)
            .execute();
          const inLog = trx.selectFrom('records').where('tenant', '=', tenant).where('log', '=', log);
          const edges = await trx
            .selectNoFrom((eb) => [
              inLog.select('ts').orderBy('ts', 'asc').limit(1).as('oldest'),
              inLog.select('ts').orderBy('ts', 'desc').limit(1).as('newest'),
              eb
                .selectFrom('records')
                .select('idx')
                .where('id', '>=', lo)
                .where('id', '<', hi)
                .orderBy('id', 'desc')
                .limit(1)
                .as('last'),
            ])
            .executeTakeFirstOrThrow();
          const levels: Record<string, number> = {};
          let total = 0;
          let bytes = 0;
          for (const c of counts) {
            levels[c.level] = toSafeInteger(c.count, 'record_levels.count');
            total += levels[c.level]!;
            bytes += toSafeInteger(c.bytes, 'record_levels.bytes');
          }
          if (!Number.isSafeInteger(total) || !Number.isSafeInteger(bytes))
            throw new StorageError('unavailable', 'record totals exceed 2^53');
          return {
            total,
            bytes,
            levels,
            oldest: toNullableInteger(edges.oldest, 'oldest ts'),
            newest: toNullableInteger(edges.newest, 'newest ts'),
            lastIndex: toNullableInteger(edges.last, 'last idx'),
          };
        });
    });
  }
}

/** Rows that were already stored MUST equal the new ones (write-once, like the log itself). */
async function checkStored(trx: Transaction<Database>, stored: Item[]): Promise<void> {
  for (let i = 0; i < stored.length; i += CHUNK) {
    const chunk = stored.slice(i, i + CHUNK);
    const rows = await trx
      .selectFrom('records')
      .select(RECORD_COLUMNS)
      .where(
        'records.id',
        'in',
        chunk.map((it) => it.id),
      )
      .execute();
    const have = new Map(rows.map((r) => [rowKey(toRow(r)), toRow(r)]));
    for (const { row } of chunk) {
      const old = have.get(rowKey(row));
      if (!old || !sameRow(old, row))
        throw new StorageError('exists-different', `record ${rowKey(row)} is indexed with other content`);
    }
  }
}

/** Adds the new rows to the per-level counts, keys in sorted order (no deadlocks between inserters). */
async function countLevels(trx: Transaction<Database>, fresh: Item[]): Promise<void> {
  const sums = new Map<
    string,
    { tenant: string; log: string; level: string; count: number; bytes: number }
  >();
  for (const { row } of fresh) {
    const k = JSON.stringify([row.tenant, row.log, row.level]);
    const s = sums.get(k) ?? { tenant: row.tenant, log: row.log, level: row.level, count: 0, bytes: 0 };
    s.count++;
    s.bytes += row.size;
    sums.set(k, s);
  }
  if (sums.size === 0) return;
  const values = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  await trx
    .insertInto('record_levels')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['tenant', 'log', 'level']).doUpdateSet((eb) => ({
        count: eb('record_levels.count', '+', eb.ref('excluded.count')),
        bytes: eb('record_levels.bytes', '+', eb.ref('excluded.bytes')),
      })),
    )
    .execute();
}
