/**
 * The logs of one process: opened lazily by (tenant, log), each with its
 * own origin and key from the catalog, kept in a bounded LRU. An idle log
 * holds no file handles (drivers open files per operation) and only its
 * right edge in memory; beyond `maxOpen`, the least recently used log with
 * nothing pending is closed, and reopened from storage when next used.
 */
import type { CheckpointLock } from '../storage/checkpoint-lock.js';
import { StorageError } from '../storage/errors.js';
import { isValidName, type LogCatalog, type LogRecord } from '../storage/log-catalog.js';
import type { ObjectStore } from '../storage/object-store.js';
import { TlogError } from '../tlog/errors.js';
import { generateKey, isValidKeyName, parseSignerKey } from '../tlog/note.js';
import { LedgerError } from './errors.js';
import { Log, type LogOptions } from './log.js';

export interface RegistryOptions {
  readonly catalog: LogCatalog;
  readonly lock: CheckpointLock;
  /** The object store of one log. */
  readonly store: (tenant: string, log: string) => ObjectStore;
  /** The origin of a new log without its own key, e.g. `${host}/${tenant}/${log}`. */
  readonly origin: (tenant: string, log: string) => string;
  /** Random bytes for new keys. */
  readonly random: (n: number) => Uint8Array;
  /** Most logs open at once (default 1000). */
  readonly maxOpen?: number;
  /** Options for every log's pool and sequencer. */
  readonly logOptions?: Pick<LogOptions, 'maxBatch' | 'maxDelayMs' | 'maxPending' | 'onRound'>;
}

export interface CreateLog {
  readonly tenant: string;
  readonly log: string;
  /** Bring your own signer key; its name becomes the origin. */
  readonly skey?: string;
  readonly dedup?: boolean;
  readonly removePartials?: boolean;
  readonly public?: boolean;
}

export class LogRegistry {
  readonly #open = new Map<string, Promise<Log>>();
  readonly #maxOpen: number;

  constructor(private readonly o: RegistryOptions) {
    this.#maxOpen = o.maxOpen ?? 1000;
  }

  /** Creates a log and signs its empty checkpoint. */
  async create(c: CreateLog): Promise<LogRecord> {
    checkNames(c.tenant, c.log);
    let skey = c.skey;
    if (skey !== undefined) {
      try {
        parseSignerKey(skey);
      } catch (e) {
        if (e instanceof TlogError)
          throw new LedgerError('bad-request', `the signer key is not usable: ${e.message}`);
        throw e;
      }
    } else {
      const origin = this.o.origin(c.tenant, c.log);
      if (!isValidKeyName(origin))
        throw new LedgerError('bad-request', `origin ${JSON.stringify(origin)} cannot be a key name`);
      skey = generateKey(origin, this.o.random(32)).skey;
    }
    const record: LogRecord = {
      tenant: c.tenant,
      log: c.log,
      skey,
      dedup: c.dedup === true,
      removePartials: c.removePartials === true,
      public: c.public === true,
    };
    try {
      await this.o.catalog.create(record);
    } catch (e) {
      if (e instanceof StorageError && e.code === 'exists-different')
        throw new LedgerError('log-exists', `log ${c.tenant}/${c.log} already exists`);
      throw e;
    }
    await this.get(c.tenant, c.log);
    return record;
  }

  /** The open log (tenant, log), opening it if needed. */
  get(tenant: string, log: string): Promise<Log> {
    checkNames(tenant, log);
    const id = `${tenant}/${log}`;
    let p = this.#open.get(id);
    if (p) {
      this.#open.delete(id); // LRU: move to the end
      this.#open.set(id, p);
      return p;
    }
    p = this.#openLog(tenant, log);
    this.#open.set(id, p);
    p.catch(() => this.#open.delete(id));
    void this.#evict();
    return p;
  }

  async #openLog(tenant: string, log: string): Promise<Log> {
    const record = await this.o.catalog.get(tenant, log);
    if (!record) throw new LedgerError('unknown-log', `there is no log ${tenant}/${log}`);
    return Log.open({
      ...this.o.logOptions,
      id: `${tenant}/${log}`,
      signer: parseSignerKey(record.skey),
      store: this.o.store(tenant, log),
      lock: this.o.lock,
      dedup: record.dedup,
      removePartials: record.removePartials,
    });
  }

  async #evict(): Promise<void> {
    for (const [id, p] of this.#open) {
      if (this.#open.size <= this.#maxOpen) return;
      const log = await p.catch(() => undefined);
      if (log && log.pending > 0) continue;
      if (this.#open.get(id) !== p) continue;
      this.#open.delete(id);
      await log?.close();
    }
  }

  /** Logs currently open. */
  get openCount(): number {
    return this.#open.size;
  }

  /** Closes every open log, finishing what is pooled. */
  async close(): Promise<void> {
    const logs = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(logs.map((p) => p.then((l) => l.close()).catch(() => {})));
  }
}

function checkNames(tenant: string, log: string): void {
  for (const [what, n] of [
    ['tenant', tenant],
    ['log', log],
  ] as const) {
    if (!isValidName(n)) {
      throw new LedgerError(
        'bad-request',
        `${what} name ${JSON.stringify(n.slice(0, 80))} is invalid: use 1-63 lowercase letters, digits and dashes`,
      );
    }
  }
}
