/**
 * Tenants: creating one creates its logs (`records`, `audit`, `reads`,
 * `operations`), each with its own origin and key, through the ledger's
 * LogRegistry.
 *
 * Creation is safe to retry and to race: the logs are made first
 * (a log that already exists is kept), and the tenant row last. The row is
 * the commit point: a tenant exists exactly when its row does, and by then
 * all of its logs do.
 */
import { LedgerError } from '../ledger/errors.js';
import type { LogRegistry } from '../ledger/registry.js';
import { StorageError } from '../storage/errors.js';
import { isValidName } from '../storage/log-catalog.js';
import type { Tenants } from '../storage/metadata.js';
import type { AdminAudit } from './admin-audit.js';
import { DomainError } from './errors.js';
import type { LogInfo, LogService } from './logs.js';
import { checkName } from './names.js';
import { TENANT_LOGS } from './tenant-logs.js';
import { iso } from './time.js';

export interface Tenant {
  readonly name: string;
  readonly createdAt: string;
}

export interface TenantServiceOptions {
  readonly tenants: Tenants;
  readonly registry: LogRegistry;
  readonly logs: LogService;
  /** Where tenant creation is recorded (the new tenant's own audit log). */
  readonly audit?: AdminAudit;
}

export class TenantService {
  constructor(private readonly o: TenantServiceOptions) {}

  /** Creates tenant `name` and its logs. DomainError 'exists' when it exists, 'bad-request' for a bad name. */
  async create(name: string, actor = 'system'): Promise<Tenant & { logs: LogInfo[] }> {
    checkName(name);
    if (await this.o.tenants.get(name)) throw new DomainError('exists', `tenant ${name} already exists`);
    for (const log of TENANT_LOGS) {
      try {
        await this.o.registry.create({ tenant: name, log });
      } catch (e) {
        // Left by an earlier attempt that stopped before the tenant row, or by a racing create.
        if (!(e instanceof LedgerError && e.code === 'log-exists')) throw e;
      }
    }
    const commit = async () => {
      try {
        return await this.o.tenants.create(name);
      } catch (e) {
        if (e instanceof StorageError && e.code === 'exists-different')
          throw new DomainError('exists', `tenant ${name} already exists`);
        throw e;
      }
    };
    const row = this.o.audit
      ? await this.o.audit.around(name, actor, 'tenant-created', { tenant: name, logs: TENANT_LOGS }, commit)
      : await commit();
    const logs = await Promise.all(TENANT_LOGS.map((l) => this.o.logs.info(name, l)));
    return { name: row.name, createdAt: iso(row.createdAt), logs };
  }

  /** Tenant `name`; DomainError 'not-found' when there is none. */
  async get(name: string): Promise<Tenant> {
    const row = isValidName(name) ? await this.o.tenants.get(name) : undefined;
    if (!row) throw new DomainError('not-found', `there is no tenant ${name.slice(0, 80)}`);
    return { name: row.name, createdAt: iso(row.createdAt) };
  }

  /** Whether tenant `name` exists. */
  async exists(name: string): Promise<boolean> {
    return isValidName(name) && (await this.o.tenants.get(name)) !== undefined;
  }

  async list(): Promise<Tenant[]> {
    return (await this.o.tenants.list()).map((t) => ({ name: t.name, createdAt: iso(t.createdAt) }));
  }
}
