/**
 * LogCatalog in the metadata database (table `logs`). The signer key is
 * stored in the row: whoever can read the database can sign for the log,
 * so the database gets the protection the filesystem catalog gives
 * `signer.key` (the SQLite file is created 0600).
 */
import type { Kysely, Selectable } from 'kysely';
import { StorageError } from '../errors.js';
import { isValidName, type LogCatalog, type LogRecord } from '../log-catalog.js';
import { check, isStorableText, toSafeInteger } from './columns.js';
import type { Database } from './schema.js';
import { guard } from './unavailable.js';

export class SqlLogCatalog implements LogCatalog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(tenant: string, log: string): Promise<LogRecord | undefined> {
    names(tenant, log);
    const row = await guard('read log record', () =>
      this.db
        .selectFrom('logs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('name', '=', log)
        .executeTakeFirst(),
    );
    return row && toRecord(row);
  }

  async create(r: LogRecord): Promise<void> {
    names(r.tenant, r.log);
    check(isStorableText(r.skey, 4096) && r.skey.length > 0, 'a signer key is 1-4096 characters of text');
    const res = await guard('create log record', () =>
      this.db
        .insertInto('logs')
        .values({
          tenant: r.tenant,
          name: r.log,
          skey: r.skey,
          dedup: r.dedup ? 1 : 0,
          remove_partials: r.removePartials ? 1 : 0,
          public: r.public ? 1 : 0,
          created_at: this.now(),
        })
        .onConflict((oc) => oc.columns(['tenant', 'name']).doNothing())
        .executeTakeFirst(),
    );
    if (res.numInsertedOrUpdatedRows === 0n)
      throw new StorageError('exists-different', `log ${r.tenant}/${r.log} already exists`);
  }

  async list(): Promise<{ tenant: string; log: string }[]> {
    const rows = await guard('list logs', () =>
      this.db.selectFrom('logs').select(['tenant', 'name']).execute(),
    );
    return rows
      .map((x) => ({ tenant: x.tenant, log: x.name }))
      .sort((a, b) => compare(a.tenant, b.tenant) || compare(a.log, b.log));
  }
}

/** The same rule and error as the filesystem catalog. */
function names(tenant: string, log: string): void {
  if (!isValidName(tenant) || !isValidName(log))
    throw new StorageError(
      'bad-key',
      `invalid log name ${String(tenant).slice(0, 80)}/${String(log).slice(0, 80)}`,
    );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toRecord(row: Selectable<Database['logs']>): LogRecord {
  return {
    tenant: row.tenant,
    log: row.name,
    skey: row.skey,
    dedup: toSafeInteger(row.dedup, 'logs.dedup') === 1,
    removePartials: toSafeInteger(row.remove_partials, 'logs.remove_partials') === 1,
    public: toSafeInteger(row.public, 'logs.public') === 1,
  };
}
