/**
 * API keys: made for a tenant and a role, shown once as a token
 * (`vk_<id>_<secret>`, src/domain/api-token.ts), stored as the SHA-256 of
 * the secret, revocable. `authenticate` turns a token into a Principal;
 * a revoked, unknown or mistyped token is refused the same way.
 */
import { StorageError } from '../storage/errors.js';
import type { ApiKey, ApiKeys, Role, Tenants } from '../storage/metadata.js';
import type { AdminAudit } from './admin-audit.js';
import { hashSecret, newToken, parseToken, secretMatches } from './api-token.js';
import { DomainError } from './errors.js';
import { isRole, type Principal, TENANT_ROLES } from './principal.js';
import { iso } from './time.js';

/** A key as the API shows it: never its secret or hash. */
export interface KeyInfo {
  readonly id: string;
  readonly tenant: string | null;
  readonly role: Role;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface KeyServiceOptions {
  readonly keys: ApiKeys;
  readonly tenants: Tenants;
  readonly random: (n: number) => Uint8Array;
  /**
   * How long a looked-up key is reused without asking the database again,
   * in ms (default 2000). A key revoked through this process stops working
   * at once; one revoked through another node stops within this time.
   */
  readonly cacheMs?: number;
  readonly now?: () => number;
  /** Where key creation and revocation are recorded (the tenant's audit log). */
  readonly audit?: AdminAudit;
}

/** Most keys held in the lookup cache. */
const KEY_CACHE_SIZE = 10_000;

/** Longest key name (a label for people). */
export const MAX_KEY_NAME = 100;

export class KeyService {
  readonly #cache = new Map<string, { row: Awaited<ReturnType<ApiKeys['get']>>; at: number }>();

  constructor(private readonly o: KeyServiceOptions) {}

  async #lookup(id: string) {
    const now = (this.o.now ?? Date.now)();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < (this.o.cacheMs ?? 2000)) return hit.row;
    const row = await this.o.keys.get(id);
    if (this.#cache.size >= KEY_CACHE_SIZE) this.#cache.clear();
    this.#cache.set(id, { row, at: now });
    return row;
  }

  /**
   * Makes a key of `role` for `tenant` and returns it with its token (the
   * only time the token is shown). The tenant must exist; platform-admin
   * keys are made only by `bootstrapAdmin`.
   */
  async create(
    tenant: string,
    role: string,
    name: string,
    actor = 'system',
  ): Promise<KeyInfo & { token: string }> {
    if (!isRole(role) || !TENANT_ROLES.includes(role))
      throw new DomainError('bad-request', `role must be one of ${TENANT_ROLES.join(', ')}`);
    checkKeyName(name);
    if (!(await this.o.tenants.get(tenant)))
      throw new DomainError('not-found', `there is no tenant ${tenant}`);
    const t = newToken(this.o.random);
    const make = () => this.o.keys.create({ id: t.id, tenant, role, name, secretHash: hashSecret(t.secret) });
    const key = this.o.audit
      ? await this.o.audit.around(tenant, actor, 'key-created', { key: t.id, role, name }, make)
      : await make();
    return { ...info(key), token: t.token };
  }

  /** Every key of `tenant`, revoked ones included. */
  async list(tenant: string): Promise<KeyInfo[]> {
    return (await this.o.keys.list(tenant)).map(info);
  }

  /** Revokes key `id` of `tenant` (again is fine). DomainError 'not-found' for a key of another tenant. */
  async revoke(tenant: string, id: string, actor = 'system'): Promise<KeyInfo> {
    const row = /^[0-9a-f]{16}$/.test(id) ? await this.o.keys.get(id) : undefined;
    if (!row || row.tenant !== tenant)
      throw new DomainError('not-found', `tenant ${tenant} has no key ${id.slice(0, 40)}`);
    if (row.revokedAt === null) {
      const revoke = () => this.o.keys.revoke(tenant, id);
      if (this.o.audit)
        await this.o.audit.around(
          tenant,
          actor,
          'key-revoked',
          { key: id, role: row.role, name: row.name },
          revoke,
        );
      else await revoke();
    }
    this.#cache.delete(id);
    return this.#info(id);
  }

  /** The principal of an active key's token. DomainError 'unauthenticated' otherwise. */
  async authenticate(token: string): Promise<Principal> {
    const t = parseToken(token);
    const refused = () => new DomainError('unauthenticated', 'the API key is invalid or revoked');
    if (!t) throw refused();
    const row = await this.#lookup(t.id);
    // Compare even when there is no such key, so that timing tells nothing.
    const matches = secretMatches(t.secret, row?.secretHash);
    if (!row || !matches || row.revokedAt !== null) throw refused();
    return { keyId: row.id, tenant: row.tenant, role: row.role };
  }

  /**
   * Makes sure a platform-admin key exists. With `token` (VELLUM_ADMIN_TOKEN),
   * that very token becomes (or already is) an active platform-admin key.
   * Without, a new key is made only when no active platform-admin key
   * exists; its token is returned (to be shown once), else undefined.
   */
  async bootstrapAdmin(token?: string): Promise<{ id: string; token?: string }> {
    if (token !== undefined) {
      const t = parseToken(token);
      if (!t)
        throw new DomainError('bad-request', 'the admin token must have the form vk_<16 hex>_<43 base64url>');
      const row = await this.o.keys.get(t.id);
      if (!row) {
        await this.#createAdmin(t.id, hashSecret(t.secret));
        return { id: t.id };
      }
      if (row.role !== 'platform-admin' || row.tenant !== null || !secretMatches(t.secret, row.secretHash))
        throw new DomainError('bad-request', `the admin token's id ${t.id} belongs to another key`);
      if (row.revokedAt !== null)
        throw new DomainError('bad-request', `the admin token's key ${t.id} is revoked`);
      return { id: t.id };
    }
    const admins = (await this.o.keys.list(null)).filter(
      (k) => k.role === 'platform-admin' && k.revokedAt === null,
    );
    if (admins.length > 0) return { id: admins[0]!.id };
    const t = newToken(this.o.random);
    await this.#createAdmin(t.id, hashSecret(t.secret));
    return { id: t.id, token: t.token };
  }

  async #createAdmin(id: string, secretHash: Uint8Array): Promise<void> {
    try {
      await this.o.keys.create({
        id,
        tenant: null,
        role: 'platform-admin',
        name: 'bootstrap admin',
        secretHash,
      });
    } catch (e) {
      if (!(e instanceof StorageError && e.code === 'exists-different')) throw e;
    }
  }

  async #info(id: string): Promise<KeyInfo> {
    const row = await this.o.keys.get(id);
    if (!row) throw new DomainError('unavailable', `key ${id} was not stored; retry`);
    return info(row);
  }
}

function info(row: ApiKey): KeyInfo {
  return {
    id: row.id,
    tenant: row.tenant,
    role: row.role,
    name: row.name,
    createdAt: iso(row.createdAt),
    revokedAt: row.revokedAt === null ? null : iso(row.revokedAt),
  };
}

function checkKeyName(name: string): void {
  if (
    typeof name !== 'string' ||
    name.length < 1 ||
    name.length > MAX_KEY_NAME ||
    /[\u0000-\u001f\u007f]/.test(name)
  )
    throw new DomainError(
      'bad-request',
      `a key name is 1-${MAX_KEY_NAME} characters without control characters`,
    );
}
