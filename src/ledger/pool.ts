/**
 * The bounded pool in front of a log's sequencer. Entries wait here until a
 * round takes them: as soon as `maxBatch` entries wait, or `maxDelayMs`
 * after the first one arrived. Rounds run one at a time. A full pool
 * refuses new entries with a retryable error (back-pressure): it never
 * drops an entry and never blocks a caller indefinitely.
 */
import { LedgerError } from './errors.js';

export interface PoolItem {
  readonly entries: readonly Uint8Array[];
  resolve(indexes: number[]): void;
  reject(err: unknown): void;
}

export interface PoolOptions {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly maxPending: number;
  /** Runs one round; MUST settle every item it is given, and MUST NOT reject. */
  readonly run: (batch: PoolItem[]) => Promise<void>;
}

export class Pool {
  /** Waiting items are #items[#head..]; the array is compacted as rounds take from it. */
  #items: PoolItem[] = [];
  #head = 0;
  #depth = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly o: PoolOptions) {}

  /** Entries waiting (not yet taken by a round). */
  get depth(): number {
    return this.#depth;
  }

  add(entries: readonly Uint8Array[]): Promise<number[]> {
    if (entries.length > this.o.maxPending) {
      // Retrying could never help: say so, rather than "busy".
      return Promise.reject(
        new LedgerError(
          'bad-request',
          `a batch of ${entries.length} entries is more than the pool holds (${this.o.maxPending}); split it`,
        ),
      );
    }
    if (this.#depth + entries.length > this.o.maxPending) {
      return Promise.reject(
        new LedgerError('pool-full', `the log is busy (${this.#depth} entries waiting); retry shortly`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#items.push({ entries, resolve, reject });
      this.#depth += entries.length;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#waiting() === 0) return;
    if (this.#depth >= this.o.maxBatch) {
      this.#start();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#start(), this.o.maxDelayMs);
    }
  }

  #start(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#running || this.#waiting() === 0) return;
    const batch: PoolItem[] = [];
    let n = 0;
    while (
      this.#waiting() > 0 &&
      (batch.length === 0 || n + this.#items[this.#head]!.entries.length <= this.o.maxBatch)
    ) {
      const item = this.#items[this.#head++]!;
      n += item.entries.length;
      batch.push(item);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#depth -= n;
    this.#running = this.o.run(batch).finally(() => {
      this.#running = undefined;
      // Entries that arrived during the round have waited long enough: go on at once.
      if (this.#waiting() > 0) this.#start();
    });
  }

  #waiting(): number {
    return this.#items.length - this.#head;
  }

  /** Resolves when the pool is empty and no round runs. */
  async drain(): Promise<void> {
    while (this.#running || this.#waiting() > 0) {
      if (!this.#running) this.#start();
      await this.#running;
    }
  }
}
