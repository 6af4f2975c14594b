/**
 * A tenant's logs as the API shows them: name, origin, verifier key and
 * options, never the signer key. Creating a log goes through the ledger's
 * LogRegistry (which signs its empty checkpoint); descriptions come from
 * the LogCatalog and are cached, since they never change once made.
 */
import { LedgerError } from '../ledger/errors.js';
import type { LogRegistry } from '../ledger/registry.js';
import { isValidName, type LogCatalog, type LogRecord } from '../storage/log-catalog.js';
import { parseSignerKey } from '../tlog/note.js';
import type { AdminAudit } from './admin-audit.js';
import { DomainError } from './errors.js';
import { checkName } from './names.js';

export interface LogInfo {
  readonly tenant: string;
  readonly log: string;
  /** The checkpoint origin (the signer key's name). */
  readonly origin: string;
  /** The verifier key, in the Go note encoding: what auditors need. */
  readonly vkey: string;
  readonly public: boolean;
  readonly dedup: boolean;
  readonly removePartials: boolean;
}

export interface NewLog {
  readonly name: string;
  /** The tenant's own signer key (PRIVATE+KEY+...); its name becomes the origin. */
  readonly skey?: string;
  readonly public?: boolean;
  readonly dedup?: boolean;
  readonly removePartials?: boolean;
}

export interface LogServiceOptions {
  readonly registry: LogRegistry;
  readonly catalog: LogCatalog;
  /**
   * The origin the registry gives a new log (RegistryOptions.origin). A
   * tenant's own key may not take an origin of this server's form for
   * another log: no tenant can sign checkpoints under another log's name.
   */
  readonly origin?: (tenant: string, log: string) => string;
  /** Where log creation is recorded (the tenant's audit log). */
  readonly audit?: AdminAudit;
  /** Descriptions cached at most (default 10000). */
  readonly cacheSize?: number;
}

export class LogService {
  readonly #cache = new Map<string, LogInfo>();
  constructor(private readonly o: LogServiceOptions) {}

  /** Creates a log of `tenant` (which the caller has checked exists). */
  async create(tenant: string, n: NewLog, actor = 'system'): Promise<LogInfo> {
    checkName(n.name, 'log');
    if (n.skey !== undefined) {
      try {
        parseSignerKey(n.skey);
      } catch (e) {
        throw new DomainError(
          'bad-request',
          `the signer key is not usable: ${(e as Error).message}`.slice(0, 300),
        );
      }
      this.#checkOwnOrigin(tenant, n.name, n.skey);
    }
    if (this.o.audit) {
      if (await this.find(tenant, n.name))
        throw new DomainError('exists', `log ${tenant}/${n.name} already exists`);
      const audit = this.o.audit;
      return audit.around(
        tenant,
        actor,
        'log-created',
        {
          log: n.name,
          public: n.public === true,
          dedup: n.dedup === true,
          removePartials: n.removePartials === true,
          ownKey: n.skey !== undefined,
        },
        () => this.#create(tenant, n),
      );
    }
    return this.#create(tenant, n);
  }

  async #create(tenant: string, n: NewLog): Promise<LogInfo> {
    try {
      return describe(
        await this.o.registry.create({
          tenant,
          log: n.name,
          ...(n.skey !== undefined ? { skey: n.skey } : {}),
          public: n.public === true,
          dedup: n.dedup === true,
          removePartials: n.removePartials === true,
        }),
      );
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'log-exists')
        throw new DomainError('exists', `log ${tenant}/${n.name} already exists`);
      throw e;
    }
  }

  #checkOwnOrigin(tenant: string, log: string, skey: string): void {
    if (!this.o.origin) return;
    let name: string;
    try {
      name = parseSignerKey(skey).name;
    } catch {
      return; // the registry reports a bad key
    }
    const own = this.o.origin(tenant, log);
    const prefix = own.slice(0, own.length - `${tenant}/${log}`.length);
    if (name !== own && prefix !== '' && name.startsWith(prefix))
      throw new DomainError(
        'bad-request',
        `the key name ${JSON.stringify(name.slice(0, 100))} has the form of this server's log origins but is not ${own}`,
      );
  }

  /** The description of a log; DomainError 'not-found' when there is none. */
  async info(tenant: string, log: string): Promise<LogInfo> {
    const found = await this.find(tenant, log);
    if (!found) throw new DomainError('not-found', `there is no log ${tenant}/${log}`.slice(0, 200));
    return found;
  }

  /** The description of a log, or undefined (also for invalid names). */
  async find(tenant: string, log: string): Promise<LogInfo | undefined> {
    const id = `${tenant}/${log}`;
    const hit = this.#cache.get(id);
    if (hit) return hit;
    if (!isValidName(tenant) || !isValidName(log)) return undefined;
    const record = await this.o.catalog.get(tenant, log);
    if (!record) return undefined;
    const info = describe(record);
    if (this.#cache.size >= (this.o.cacheSize ?? 10000)) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, info);
    return info;
  }

  /** Every log of `tenant`, sorted by name. */
  async list(tenant: string): Promise<LogInfo[]> {
    const names = (await this.o.catalog.list()).filter((l) => l.tenant === tenant);
    const out: LogInfo[] = [];
    for (const { log } of names) {
      const info = await this.find(tenant, log);
      if (info) out.push(info);
    }
    return out;
  }
}

function describe(r: LogRecord): LogInfo {
  const signer = parseSignerKey(r.skey);
  return {
    tenant: r.tenant,
    log: r.log,
    origin: signer.name,
    vkey: signer.vkey,
    public: r.public,
    dedup: r.dedup,
    removePartials: r.removePartials,
  };
}
