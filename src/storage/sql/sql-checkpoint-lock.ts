/**
 * CheckpointLock in the metadata database (table `checkpoints`), safe
 * across processes and nodes: each swap is one conditional statement, so
 * the database's row locks decide between racing writers.
 *
 * - First swap (old undefined): INSERT ... ON CONFLICT DO NOTHING; no row
 *   inserted means another writer got there first.
 * - Later swaps: UPDATE ... WHERE log_id = ? AND note = old; no row updated
 *   means the value is no longer `old`. On PostgreSQL a racing UPDATE waits
 *   for the winner's commit and then re-checks `note = old` on the new row
 *   version (READ COMMITTED), so exactly one of them succeeds.
 *
 * Durability: on SQLite the swap is one autocommit statement, fsync'd
 * before it returns (synchronous=FULL); on PostgreSQL it forces
 * `synchronous_commit = on` for its transaction, whatever the server's
 * setting, because this write is the ledger's commit point.
 */
import { type Kysely, sql } from 'kysely';
import type { CheckpointLock } from '../checkpoint-lock.js';
import { StorageError } from '../errors.js';
import { isValidKey } from '../object-store.js';
import { fromBytes, toBytes } from './columns.js';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import { guard } from './unavailable.js';

export class SqlCheckpointLock implements CheckpointLock {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async get(id: string): Promise<Uint8Array | undefined> {
    logId(id);
    const row = await guard(`read the checkpoint lock of ${id}`, () =>
      this.db.selectFrom('checkpoints').select('note').where('log_id', '=', id).executeTakeFirst(),
    );
    return row && fromBytes(row.note, 'checkpoints.note');
  }

  async swap(id: string, old: Uint8Array | undefined, next: Uint8Array): Promise<void> {
    logId(id);
    const changed = await guard(`swap the checkpoint lock of ${id}`, () =>
      this.dialect === 'postgres'
        ? this.db.transaction().execute(async (trx) => {
            await sql`set local synchronous_commit = on`.execute(trx);
            return compareAndSwap(trx, id, old, next);
          })
        : // One autocommit statement: atomic, and fsync'd before it returns (synchronous=FULL).
          compareAndSwap(this.db, id, old, next),
    );
    if (changed !== 1n) throw new StorageError('lock-conflict', `the checkpoint of ${id} changed under us`);
  }
}

/** The swap as one conditional statement; resolves with the number of rows it changed. */
async function compareAndSwap(
  db: Kysely<Database>,
  id: string,
  old: Uint8Array | undefined,
  next: Uint8Array,
): Promise<bigint> {
  if (old === undefined) {
    const r = await db
      .insertInto('checkpoints')
      .values({ log_id: id, note: toBytes(next) })
      .onConflict((oc) => oc.column('log_id').doNothing())
      .executeTakeFirst();
    return r.numInsertedOrUpdatedRows ?? 0n;
  }
  const r = await db
    .updateTable('checkpoints')
    .set({ note: toBytes(next) })
    .where('log_id', '=', id)
    .where('note', '=', toBytes(old))
    .executeTakeFirst();
  return r.numUpdatedRows;
}

function logId(id: string): void {
  if (typeof id !== 'string' || !isValidKey(id))
    throw new StorageError('bad-key', `invalid log id ${JSON.stringify(String(id).slice(0, 100))}`);
}
