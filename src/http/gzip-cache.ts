/**
 * Gzipped entry bundles, made once and kept: bundles are immutable (a
 * path names one exact content forever, partial widths included), so a
 * cached copy is never stale. Bounded by total compressed bytes, LRU.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export class GzipCache {
  readonly #map = new Map<string, Uint8Array>();
  #bytes = 0;

  /** @param maxBytes total compressed bytes kept (default 64 MiB). */
  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  /** The gzip of `data`, which MUST be the immutable content named by `key`. */
  async get(key: string, data: Uint8Array): Promise<Uint8Array> {
    const hit = this.#map.get(key);
    if (hit) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const z = new Uint8Array(await gzipAsync(data));
    const raced = this.#map.get(key);
    if (raced) return raced;
    if (z.length <= this.maxBytes) {
      this.#map.set(key, z);
      this.#bytes += z.length;
      for (const [k, v] of this.#map) {
        if (this.#bytes <= this.maxBytes) break;
        this.#map.delete(k);
        this.#bytes -= v.length;
      }
    }
    return z;
  }
}
