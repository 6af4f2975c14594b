/** API keys in the metadata database (table `api_keys`). */
import type { Kysely, Selectable } from 'kysely';
import { StorageError } from '../errors.js';
import { isValidName } from '../log-catalog.js';
import { type ApiKey, type ApiKeys, type NewApiKey, ROLES, type Role } from '../metadata.js';
import { check, fromBytes, isStorableText, toBytes, toNullableInteger, toSafeInteger } from './columns.js';
import type { Database } from './schema.js';
import { guard } from './unavailable.js';

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class SqlApiKeys implements ApiKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(k: NewApiKey): Promise<ApiKey> {
    validate(k);
    const key: ApiKey = {
      ...k,
      secretHash: new Uint8Array(k.secretHash),
      createdAt: this.now(),
      revokedAt: null,
    };
    return guard('create API key', async () => {
      // Tenants are never deleted, so a tenant seen here still exists at the insert.
      if (key.tenant !== null && !(await tenantExists(this.db, key.tenant)))
        throw new StorageError('bad-key', `no tenant ${key.tenant}`);
      const r = await this.db
        .insertInto('api_keys')
        .values({
          id: key.id,
          tenant: key.tenant,
          role: key.role,
          name: key.name,
          secret_hash: toBytes(key.secretHash),
          created_at: key.createdAt,
          revoked_at: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (r.numInsertedOrUpdatedRows === 0n)
        throw new StorageError('exists-different', `API key ${key.id} already exists`);
      return key;
    });
  }

  async get(id: string): Promise<ApiKey | undefined> {
    if (typeof id !== 'string' || !KEY_ID.test(id)) return undefined;
    const row = await guard('read API key', () =>
      this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row && toApiKey(row);
  }

  async list(tenant: string | null): Promise<ApiKey[]> {
    if (tenant !== null && !isValidName(tenant)) return [];
    const rows = await guard('list API keys', () =>
      this.db
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant', tenant === null ? 'is' : '=', tenant)
        .execute(),
    );
    return rows
      .map(toApiKey)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async revoke(tenant: string | null, id: string): Promise<boolean> {
    if (typeof id !== 'string' || !KEY_ID.test(id)) return false;
    if (tenant !== null && !isValidName(tenant)) return false;
    const now = this.now();
    return guard('revoke API key', async () => {
      const r = await this.db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('tenant', tenant === null ? 'is' : '=', tenant)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (r.numUpdatedRows > 0n) return true;
      const row = await this.db
        .selectFrom('api_keys')
        .select('id')
        .where('id', '=', id)
        .where('tenant', tenant === null ? 'is' : '=', tenant)
        .executeTakeFirst();
      return row !== undefined;
    });
  }
}

function validate(k: NewApiKey): void {
  check(typeof k.id === 'string' && KEY_ID.test(k.id), 'an API key id is 1-64 characters of A-Z a-z 0-9 _ -');
  check(ROLES.includes(k.role), `unknown role ${JSON.stringify(String(k.role).slice(0, 40))}`);
  check(k.tenant === null || isValidName(k.tenant), 'invalid tenant name');
  check(
    (k.tenant === null) === (k.role === 'platform-admin'),
    'platform-admin keys have no tenant; every other role needs one',
  );
  check(isStorableText(k.name, 200) && k.name.length > 0, 'an API key name is 1-200 characters of text');
  check(
    k.secretHash instanceof Uint8Array && k.secretHash.length > 0 && k.secretHash.length <= 128,
    'secretHash is 1-128 bytes',
  );
}

async function tenantExists(db: Kysely<Database>, name: string): Promise<boolean> {
  const row = await db.selectFrom('tenants').select('name').where('name', '=', name).executeTakeFirst();
  return row !== undefined;
}

function toApiKey(row: Selectable<Database['api_keys']>): ApiKey {
  if (!ROLES.includes(row.role as Role))
    throw new StorageError('unavailable', `API key ${row.id} has unknown role ${row.role}`);
  return {
    id: row.id,
    tenant: row.tenant,
    role: row.role as Role,
    name: row.name,
    secretHash: fromBytes(row.secret_hash, 'api_keys.secret_hash'),
    createdAt: toSafeInteger(row.created_at, 'api_keys.created_at'),
    revokedAt: toNullableInteger(row.revoked_at, 'api_keys.revoked_at'),
  };
}
