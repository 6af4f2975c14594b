/**
 * The immutable logger SDK: leveled records, batched and retried, written
 * to a tenant's `records` log; read, search and statistics from the index;
 * and `verify()`, which audits the records log locally from its tiles with
 * the log's verifier key instead of taking the server's word for it.
 *
 *   const logger = new ImmutableLogger({ url, token, log: 'acme' });
 *   logger.audit('Database query executed', { user: 'admin@example.com' });
 *   await logger.flush();
 *   const { ok } = await logger.verify();
 */
import { hostname } from 'node:os';
import type { TransportOptions } from './http.js';
import type { Level, RecordFilter, RecordPage, RecordStats } from './types.js';
import { VellumClient, type VerifyResult } from './vellum-client.js';

export interface ImmutableLoggerOptions extends TransportOptions {
  /** The tenant whose records log to write (`acme`, or `acme/records`). */
  readonly log: string;
  /** The records log's verifier key. Pin it: otherwise `verify` asks the server for it once (trust on first use). */
  readonly vkey?: string;
  /** Records sent per request (default 500). */
  readonly batchSize?: number;
  /** Longest a record waits before its batch is sent, in ms (default 200). */
  readonly flushIntervalMs?: number;
  /** Most records held while the server cannot be reached (default 100,000); beyond it, writes reject. */
  readonly maxBuffered?: number;
  /** Called when a batch fails for good (after all retries); its records are dropped from the buffer. */
  readonly onError?: (err: unknown, count: number) => void;
}

interface Pending {
  readonly record: { level: Level; message: string; metadata: unknown; host: string; pid: number };
  resolve(index: number): void;
  reject(err: unknown): void;
}

export class ImmutableLogger {
  readonly client: VellumClient;
  readonly tenant: string;
  readonly #o: ImmutableLoggerOptions;
  #buffer: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #vkey: string | undefined;
  #lastCheckpoint: string | undefined;

  constructor(o: ImmutableLoggerOptions) {
    this.#o = o;
    this.client = new VellumClient(o);
    const [tenant, log = 'records'] = o.log.split('/');
    if (!tenant || log !== 'records')
      throw new Error(`log must be '<tenant>' or '<tenant>/records', not '${o.log}'`);
    this.tenant = tenant;
    this.#vkey = o.vkey;
  }

  info(message: string, metadata?: unknown): Promise<number> {
    return this.log('INFO', message, metadata);
  }
  warn(message: string, metadata?: unknown): Promise<number> {
    return this.log('WARN', message, metadata);
  }
  error(message: string, metadata?: unknown): Promise<number> {
    return this.log('ERROR', message, metadata);
  }
  critical(message: string, metadata?: unknown): Promise<number> {
    return this.log('CRITICAL', message, metadata);
  }
  audit(message: string, metadata?: unknown): Promise<number> {
    return this.log('AUDIT', message, metadata);
  }
  security(message: string, metadata?: unknown): Promise<number> {
    return this.log('SECURITY', message, metadata);
  }
  revenue(message: string, metadata?: unknown): Promise<number> {
    return this.log('REVENUE', message, metadata);
  }
  system(message: string, metadata?: unknown): Promise<number> {
    return this.log('SYSTEM', message, metadata);
  }

  /**
   * Queues one record; resolves to its index in the records log once the
   * server has made it durable. (Callers that fire and forget should still
   * `flush()` before exiting.)
   */
  log(level: Level, message: string, metadata: unknown = {}): Promise<number> {
    if (this.#buffer.length >= (this.#o.maxBuffered ?? 100_000)) {
      return Promise.reject(
        new Error('the logger buffer is full: the server has not accepted records for a while'),
      );
    }
    const p = new Promise<number>((resolve, reject) => {
      this.#buffer.push({
        record: { level, message, metadata, host: hostname(), pid: process.pid },
        resolve,
        reject,
      });
    });
    p.catch(() => {}); // a caller who does not await still gets onError
    if (this.#buffer.length >= (this.#o.batchSize ?? 500)) void this.flush();
    else if (!this.#timer) {
      // Not unref'd: a process must not exit with records still queued.
      this.#timer = setTimeout(() => void this.flush(), this.#o.flushIntervalMs ?? 200);
    }
    return p;
  }

  /** Sends everything queued; resolves when it is durable (or has failed for good). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#sending = this.#sending.then(async () => {
      while (this.#buffer.length > 0) {
        const batch = this.#buffer.splice(0, this.#o.batchSize ?? 500);
        try {
          const { indexes } = await this.client.writeRecords(
            this.tenant,
            batch.map((b) => b.record),
          );
          batch.forEach((b, i) => {
            b.resolve(indexes[i]!);
          });
        } catch (e) {
          for (const b of batch) b.reject(e);
          this.#o.onError?.(e, batch.length);
        }
      }
    });
    return this.#sending;
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    await this.flush();
  }

  read(filter: RecordFilter = {}): Promise<RecordPage> {
    return this.client.readRecords(this.tenant, filter);
  }

  search(text: string, filter: Omit<RecordFilter, 'text'> = {}): Promise<RecordPage> {
    return this.client.readRecords(this.tenant, { ...filter, text });
  }

  stats(): Promise<RecordStats> {
    return this.client.recordStats(this.tenant);
  }

  /**
   * Audits the records log locally: the checkpoint is signed by the log's
   * key, every entry hashes into the signed tree, every tile matches, and
   * the log still extends the checkpoint the last `verify()` saw.
   */
  async verify(): Promise<VerifyResult> {
    this.#vkey ??= (await this.client.getLog(this.tenant, 'records')).vkey;
    const r = await this.client.verifyLog(this.tenant, 'records', this.#vkey, this.#lastCheckpoint);
    if (r.ok)
      this.#lastCheckpoint = await this.client.checkpoint(this.tenant, 'records').catch(() => undefined);
    return r;
  }
}
