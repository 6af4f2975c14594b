/** Tenants in the metadata database (table `tenants`). */
import type { Kysely } from 'kysely';
import { StorageError } from '../errors.js';
import { isValidName } from '../log-catalog.js';
import type { Tenant, Tenants } from '../metadata.js';
import { check, toSafeInteger } from './columns.js';
import type { Database } from './schema.js';
import { guard } from './unavailable.js';

export class SqlTenants implements Tenants {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(name: string): Promise<Tenant> {
    check(isValidName(name), `invalid tenant name ${JSON.stringify(String(name).slice(0, 80))}`);
    const tenant = { name, createdAt: this.now() };
    const r = await guard('create tenant', () =>
      this.db
        .insertInto('tenants')
        .values({ name, created_at: tenant.createdAt })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst(),
    );
    if (r.numInsertedOrUpdatedRows === 0n)
      throw new StorageError('exists-different', `tenant ${name} already exists`);
    return tenant;
  }

  async get(name: string): Promise<Tenant | undefined> {
    if (!isValidName(name)) return undefined;
    const row = await guard('read tenant', () =>
      this.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst(),
    );
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await guard('list tenants', () => this.db.selectFrom('tenants').selectAll().execute());
    return rows.map(toTenant).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function toTenant(row: { name: string; created_at: number | string }): Tenant {
  return { name: row.name, createdAt: toSafeInteger(row.created_at, 'tenants.created_at') };
}
