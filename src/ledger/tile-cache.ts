/**
 * An LRU cache of tiles and bundles, bounded in bytes. Every path of a
 * C2SP log names immutable bytes (a partial tile's path carries its width),
 * so entries never go stale. One cache is shared by all the logs of a
 * process (keys are per store), so memory does not grow with the number of
 * logs.
 */
export class TileCache {
  readonly #map = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(readonly capacityBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, data: Uint8Array): void {
    if (data.length > this.capacityBytes) return;
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#bytes -= old.length;
      this.#map.delete(key);
    }
    this.#map.set(key, data);
    this.#bytes += data.length;
    while (this.#bytes > this.capacityBytes) {
      const [k, v] = this.#map.entries().next().value!;
      this.#map.delete(k);
      this.#bytes -= v.length;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}

/** The process-wide cache used when a log is given none: 64 MiB. */
export const sharedTileCache = new TileCache(64 * 2 ** 20);

let nextStoreId = 0;
const storeIds = new WeakMap<object, number>();

/** A cache key prefix unique to one store object. */
export function storeKey(store: object): string {
  let id = storeIds.get(store);
  if (id === undefined) {
    id = nextStoreId++;
    storeIds.set(store, id);
  }
  return `${id}:`;
}
