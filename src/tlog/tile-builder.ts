/**
 * Builds the hash tiles of a growing tree from its leaf hashes, one leaf at
 * a time, holding only the right edge: one partial tile per level. This is
 * how the ledger integrates a batch and how `verify` rebuilds a log; both
 * get byte-identical tiles to any other C2SP tlog-tiles implementation.
 */
import { TlogError } from './errors.js';
import { EMPTY_ROOT, HASH_SIZE, merkleRoot } from './hash.js';
import { foldRange, hashRun } from './merkle.js';
import { checkCount, log2Floor, pow2 } from './numbers.js';
import { leavesPerHash, newTiles, TILE_WIDTH, type Tile, tileWidth } from './tile.js';

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** A tile and its bytes. */
export interface TileData {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

export class TileBuilder {
  #size: number;
  /** edge[L]: the right-edge tile of level L; its first tileWidth(L, ·, size) hashes are valid. */
  readonly #edge: Uint8Array[] = [];
  #completed: TileData[] = [];
  #flushedSize: number;

  /**
   * Resumes at `size` from the right-edge partial tiles of that size
   * (`partial(level)` returns the tile bytes for each level whose partial
   * width is non-zero, as listed by `newTiles(0, size)`).
   */
  constructor(size = 0, partial?: (level: number, width: number) => Uint8Array) {
    checkCount(size, 'tree size');
    this.#size = size;
    this.#flushedSize = size;
    for (let level = 0; Math.floor(size / leavesPerHash(level)) > 0; level++) {
      const width = Math.floor(size / leavesPerHash(level)) % TILE_WIDTH;
      const buf = new Uint8Array(width * HASH_SIZE);
      if (width > 0) {
        if (!partial) throw new TlogError('bad-hashes', `resuming at size ${size} needs the partial tiles`);
        const data = partial(level, width);
        if (data.length !== width * HASH_SIZE) {
          throw new TlogError(
            'bad-hashes',
            `partial tile at level ${level} has ${data.length} bytes, want ${width * HASH_SIZE}`,
          );
        }
        buf.set(data);
      }
      this.#edge.push(buf);
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash. */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new TlogError('bad-hashes', `leaf hash has ${leaf.length} bytes`);
    const position = this.#size;
    this.#size++;
    this.#push(0, position, leaf);
  }

  /** Appends leaf hashes stored back to back (a multiple of 32 bytes), as `append` of each in turn. */
  appendMany(hashes: Uint8Array): void {
    if (hashes.length % HASH_SIZE !== 0) {
      throw new TlogError(
        'bad-hashes',
        `${hashes.length} bytes of leaf hashes is not a multiple of ${HASH_SIZE}`,
      );
    }
    const n = hashes.length / HASH_SIZE;
    for (let i = 0; i < n; ) {
      const at = this.#size % TILE_WIDTH;
      const take = Math.min(TILE_WIDTH - at, n - i);
      const index = Math.floor(this.#size / TILE_WIDTH);
      let full: Uint8Array | undefined;
      if (take === TILE_WIDTH) {
        full = hashes.slice(i * HASH_SIZE, (i + take) * HASH_SIZE);
      } else {
        const buf = this.#ensure(0, (at + take) * HASH_SIZE);
        buf.set(hashes.subarray(i * HASH_SIZE, (i + take) * HASH_SIZE), at * HASH_SIZE);
        if (at + take === TILE_WIDTH) full = buf.slice();
      }
      this.#size += take;
      i += take;
      if (full) {
        this.#completed.push({ tile: { level: 0, index, width: TILE_WIDTH }, data: full });
        this.#push(1, index, merkleRoot(full, 0, TILE_WIDTH));
      }
    }
  }

  /**
   * The right-edge buffer of `level`, grown to hold at least `bytes`: an
   * idle log holds only the hashes its partial tiles have, not 8 KiB a level.
   */
  #ensure(level: number, bytes: number): Uint8Array {
    while (this.#edge.length <= level) this.#edge.push(new Uint8Array(0));
    const buf = this.#edge[level]!;
    if (buf.length >= bytes) return buf;
    const grown = new Uint8Array(Math.min(TILE_BYTES, Math.max(bytes, buf.length * 2, 8 * HASH_SIZE)));
    grown.set(buf);
    this.#edge[level] = grown;
    return grown;
  }

  /** Puts `hash`, the hash number `position` of `level`, on the right edge, publishing the tiles it completes. */
  #push(level: number, position: number, hash: Uint8Array): void {
    for (; ; level++) {
      const at = position % TILE_WIDTH;
      const buf = this.#ensure(level, (at + 1) * HASH_SIZE);
      buf.set(hash, at * HASH_SIZE);
      if (at !== TILE_WIDTH - 1) return;
      // The tile is full: publish it, and its root becomes the next hash one level up.
      const index = Math.floor(position / TILE_WIDTH);
      this.#completed.push({ tile: { level, index, width: TILE_WIDTH }, data: buf.slice() });
      hash = merkleRoot(buf, 0, TILE_WIDTH);
      position = index;
    }
  }

  /** The bytes of tile (level, index) if it is the right edge or was completed since the last `flush`. */
  #tileData(tile: Tile): Uint8Array {
    const edge = this.#edge[tile.level]!;
    if (tile.width < TILE_WIDTH) return edge.slice(0, tile.width * HASH_SIZE);
    const done = this.#completed.find((t) => t.tile.level === tile.level && t.tile.index === tile.index);
    if (!done) throw new TlogError('bad-hashes', `tile ${tile.level}/${tile.index} is not held`);
    return done.data;
  }

  /**
   * The hash tiles to publish for the growth since the last flush (as
   * `newTiles(last, size)`), with their bytes; then forgets completed tiles.
   */
  flush(): TileData[] {
    const out = newTiles(this.#flushedSize, this.#size).map((tile) => ({ tile, data: this.#tileData(tile) }));
    this.#completed = [];
    this.#flushedSize = this.#size;
    return out;
  }

  /** Full tiles completed since the last flush, in order (for streaming use without `flush`). */
  takeCompleted(): TileData[] {
    const out = this.#completed;
    this.#completed = [];
    return out;
  }

  /** The partial right-edge tiles of the current size, bottom up. */
  partials(): TileData[] {
    const out: TileData[] = [];
    this.#edge.forEach((buf, level) => {
      const width = tileWidth(level, Math.floor(this.#size / leavesPerHash(level + 1)), this.#size);
      if (width > 0 && width < TILE_WIDTH) {
        out.push({
          tile: { level, index: Math.floor(this.#size / leavesPerHash(level + 1)), width },
          data: buf.slice(0, width * HASH_SIZE),
        });
      }
    });
    return out;
  }

  /** MTH of the current tree. */
  root(): Uint8Array {
    if (this.#size === 0) return EMPTY_ROOT;
    // Complete subtrees of the tree, largest first: per level from the top,
    // the partial tile's hashes split into powers of two.
    const parts: Uint8Array[] = [];
    for (let level = this.#edge.length - 1; level >= 0; level--) {
      let width = Math.floor(this.#size / leavesPerHash(level)) % TILE_WIDTH;
      let offset = 0;
      while (width > 0) {
        const count = pow2(log2Floor(width));
        parts.push(hashRun(this.#edge[level]!, offset, count));
        offset += count;
        width -= count;
      }
    }
    return foldRange(parts).slice();
  }
}
