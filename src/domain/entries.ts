/**
 * Entries of a tenant's log: appending (durable, or waiting for the
 * checkpoint that covers them, with a C2SP tlog-proof receipt per entry),
 * reading pages of entries, one entry with its inclusion proof, and
 * consistency proofs. Every proof and receipt of one answer is made against
 * one checkpoint, which the answer carries.
 */
import type { Log, LogHead } from '../ledger/log.js';
import type { LogRegistry } from '../ledger/registry.js';
import type { Proof } from '../tlog/proof.js';
import { formatReceipt } from '../tlog/receipt.js';
import { DomainError } from './errors.js';
import { receiptsFor } from './receipts.js';
import type { TileReader } from './tiles.js';

export type Wait = 'durable' | 'published';

export interface Appended {
  readonly entries: readonly { readonly index: number; readonly receipt?: string }[];
  /** With wait=published: the signed checkpoint every receipt is made against. */
  readonly checkpoint?: string;
  readonly size?: number;
}

export interface EntryWithProof {
  readonly index: number;
  readonly entry: Uint8Array;
  /** Size of the tree the proof is for: the checkpoint's. */
  readonly size: number;
  readonly proof: Proof;
  readonly checkpoint: string;
  /** The same proof as a C2SP tlog-proof receipt. */
  readonly receipt: string;
}

export interface Page {
  /** The published size the page was cut from. */
  readonly size: number;
  readonly start: number;
  readonly entries: AsyncIterable<{ index: number; entry: Uint8Array }>;
  /** Where the next page starts, or null at the end of the published tree. */
  readonly next: number | null;
}

export interface EntryServiceOptions {
  readonly registry: LogRegistry;
  readonly tiles: TileReader;
  /** Longest wait=published waits for its checkpoint, in ms (default 30000). */
  readonly publishTimeoutMs?: number;
}

export class EntryService {
  constructor(private readonly o: EntryServiceOptions) {}

  /** Appends `entries` in order, as one batch. MUST NOT resolve before they are durable. */
  async append(tenant: string, log: string, entries: readonly Uint8Array[], wait: Wait): Promise<Appended> {
    const l = await this.o.registry.get(tenant, log);
    const indexes = await l.appendMany(entries);
    if (wait === 'durable') return { entries: indexes.map((index) => ({ index })) };
    const head = await this.#published(l, indexes);
    const receipts = await receiptsFor(head, indexes, (t) => this.o.tiles.readTile(tenant, log, t));
    return {
      entries: indexes.map((index, k) => ({ index, receipt: receipts[k]! })),
      checkpoint: head.note,
      size: head.size,
    };
  }

  /** The first published head that covers every index; DomainError 'unavailable' after publishTimeoutMs. */
  async #published(l: Log, indexes: readonly number[]): Promise<LogHead> {
    const last = indexes.reduce((a, b) => Math.max(a, b), 0);
    const ms = this.o.publishTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DomainError(
              'unavailable',
              `the entries are durable at indexes ${indexes[0]}..${indexes.at(-1)}, but no checkpoint covered them within ${ms} ms; fetch their receipts later`,
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([l.published(last), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Entries from `start` (at most `limit`) of the published tree. */
  async page(tenant: string, log: string, start: number, limit: number): Promise<Page> {
    const l = await this.o.registry.get(tenant, log);
    const size = l.head().size;
    if (start > size)
      throw new DomainError('not-found', `start ${start} is beyond the published log (size ${size})`);
    const end = Math.min(size, start + limit);
    return { size, start, entries: l.readSince(start, end - start), next: end < size ? end : null };
  }

  /** Entry `index` with its inclusion proof and receipt against the latest checkpoint. */
  async entry(tenant: string, log: string, index: number): Promise<EntryWithProof> {
    const l = await this.o.registry.get(tenant, log);
    const head = l.head();
    if (index >= head.size)
      throw new DomainError('not-found', `entry ${index} is not in the published log (size ${head.size})`);
    const [entry, proof] = await Promise.all([l.entry(index), l.proveInclusion(index, head.size)]);
    return {
      index,
      entry,
      size: head.size,
      proof,
      checkpoint: head.note,
      receipt: formatReceipt({ index, proof, checkpoint: head.note }),
    };
  }

  /** The consistency proof from size `from` to `to` (default: the latest), with the latest checkpoint. */
  async consistency(
    tenant: string,
    log: string,
    from: number,
    to?: number,
  ): Promise<{ from: number; to: number; proof: Proof; checkpoint: string }> {
    const l = await this.o.registry.get(tenant, log);
    const head = l.head();
    const newSize = to ?? head.size;
    if (newSize > head.size)
      throw new DomainError('not-found', `size ${newSize} is beyond the published log (size ${head.size})`);
    if (from > newSize) throw new DomainError('bad-request', `from (${from}) is larger than to (${newSize})`);
    return { from, to: newSize, proof: await l.proveConsistency(from, newSize), checkpoint: head.note };
  }
}
