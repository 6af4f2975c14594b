/**
 * The number of each indexed (tenant, log): table `record_logs`, assigned
 * on a log's first insert and never changed, so it is cached for the life
 * of the store. Racing first inserts (other processes, other nodes) agree:
 * the unique (tenant, log) constraint lets one row win and both read it.
 */
import type { Kysely } from 'kysely';
import { StorageError } from '../errors.js';
import { toSafeInteger } from './columns.js';
import { MAX_LOGS } from './record-ids.js';
import type { Database } from './schema.js';

export class RecordLogNumbers {
  readonly #known = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  /** The number of (tenant, log); undefined when it has none and `assign` is false. */
  async get(tenant: string, log: string, assign: boolean): Promise<number | undefined> {
    const key = `${tenant}/${log}`;
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    let n = await this.#read(tenant, log);
    if (n === undefined && assign) {
      await this.db
        .insertInto('record_logs')
        .values({ tenant, log })
        .onConflict((oc) => oc.columns(['tenant', 'log']).doNothing())
        .execute();
      n = await this.#read(tenant, log);
      if (n === undefined) throw new StorageError('unavailable', `no number was assigned to ${key}`);
    }
    if (n === undefined) return undefined;
    if (n < 1 || n >= MAX_LOGS)
      throw new StorageError('unavailable', `the records index has no room for log ${key} (number ${n})`);
    this.#known.set(key, n);
    return n;
  }

  async #read(tenant: string, log: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('record_logs')
      .select('id')
      .where('tenant', '=', tenant)
      .where('log', '=', log)
      .executeTakeFirst();
    return row && toSafeInteger(row.id, 'record_logs.id');
  }
}
