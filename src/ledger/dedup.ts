/**
 * Strict deduplication for one log: an entry identical to one already in
 * the log gets that entry's index. The index is the log's own level-0
 * tiles (the leaf hash of every entry, in order), read once at open into a
 * map from leaf hash to first index; it can never disagree with the log.
 */
import { HASH_SIZE, leafHash } from '../tlog/hash.js';
import { TILE_WIDTH } from '../tlog/tile.js';

export class DedupIndex {
  readonly #first = new Map<string, number>();

  static async load(size: number, readTile: (n: number) => Promise<Uint8Array>): Promise<DedupIndex> {
    const d = new DedupIndex();
    for (let n = 0; n * TILE_WIDTH < size; n++) {
      const data = await readTile(n);
      for (let i = 0; i * HASH_SIZE < data.length; i++) {
        const key = Buffer.from(data.buffer, data.byteOffset + i * HASH_SIZE, HASH_SIZE).toString('base64');
        if (!d.#first.has(key)) d.#first.set(key, n * TILE_WIDTH + i);
      }
    }
    return d;
  }

  static key(entry: Uint8Array): string {
    return Buffer.from(leafHash(entry)).toString('base64');
  }

  get(key: string): number | undefined {
    return this.#first.get(key);
  }

  /** Records the first index of each key of a committed round. */
  addAll(keys: Map<string, number>): void {
    for (const [k, i] of keys) if (!this.#first.has(k)) this.#first.set(k, i);
  }

  get size(): number {
    return this.#first.size;
  }
}
