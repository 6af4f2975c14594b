/** A small LRU cache of immutable tiles and bundles, by path. */
export class TileCache {
  readonly #map = new Map<string, Uint8Array>();
  constructor(readonly capacity: number) {}

  get(path: string): Uint8Array | undefined {
    const v = this.#map.get(path);
    if (v !== undefined) {
      this.#map.delete(path);
      this.#map.set(path, v);
    }
    return v;
  }

  set(path: string, data: Uint8Array): void {
    this.#map.delete(path);
    this.#map.set(path, data);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
  }
}
