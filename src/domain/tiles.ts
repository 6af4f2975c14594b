/**
 * The published files of a log as C2SP tlog-tiles serves them: the
 * checkpoint, and hash tiles and entry bundles, bounded by the published
 * tree. A tile is served only when the published tree has it: tile
 * (L, N, W) needs the first N·256+W hashes of level L (an empty or future
 * tile is 'not-found'). A partial tile of a width no checkpoint had, or
 * one deleted after its full tile was written (removePartials), is served
 * as the prefix of a wider tile: it is the same data.
 */
import { LedgerError } from '../ledger/errors.js';
import type { LogRegistry } from '../ledger/registry.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HASH_SIZE } from '../tlog/hash.js';
import { ENTRIES, parseTilePath, TILE_WIDTH, type Tile, tilePath, tileWidth } from '../tlog/tile.js';
import { DomainError } from './errors.js';

export interface TileReaderOptions {
  readonly registry: LogRegistry;
  /** The object store of one log (the same the ledger writes). */
  readonly store: (tenant: string, log: string) => ObjectStore;
}

export class TileReader {
  constructor(private readonly o: TileReaderOptions) {}

  /** The latest published checkpoint note of a log. */
  async checkpoint(tenant: string, log: string): Promise<string> {
    return (await this.o.registry.get(tenant, log)).head().note;
  }

  /**
   * Parses `path` strictly (TlogError 'bad-tile') and returns the tile and
   * its bytes; DomainError 'not-found' when the published tree lacks it.
   */
  async read(tenant: string, log: string, path: string): Promise<{ tile: Tile; data: Uint8Array }> {
    const tile = parseTilePath(path);
    return { tile, data: await this.readTile(tenant, log, tile) };
  }

  /** The bytes of `tile`; DomainError 'not-found' when the published tree lacks it. */
  async readTile(tenant: string, log: string, tile: Tile): Promise<Uint8Array> {
    const path = tilePath(tile);
    const size = (await this.o.registry.get(tenant, log)).head().size;
    const level = tile.level === ENTRIES ? 0 : tile.level;
    const have = tileWidth(level, tile.index, size);
    if (tile.width > have)
      throw new DomainError('not-found', `${path} is not in the published tree (size ${size})`);
    const store = this.o.store(tenant, log);
    const exact = await store.get(path);
    if (exact) return exact;
    // The same data as a prefix of the full tile, or of the current right-edge partial.
    for (const width of new Set([TILE_WIDTH, have])) {
      if (width <= tile.width) continue;
      const wider = await store.get(tilePath({ ...tile, width }));
      if (wider) return prefix(tile, wider);
    }
    throw new LedgerError('corrupt', `log ${tenant}/${log}: ${path} is missing from storage`);
  }
}

/** The first `tile.width` hashes or entries of a wider tile's bytes. */
function prefix(tile: Tile, wider: Uint8Array): Uint8Array {
  if (tile.level !== ENTRIES) return wider.subarray(0, tile.width * HASH_SIZE);
  let at = 0;
  for (let k = 0; k < tile.width && at + 2 <= wider.length; k++) at += 2 + wider[at]! * 256 + wider[at + 1]!;
  return wider.subarray(0, Math.min(at, wider.length));
}
