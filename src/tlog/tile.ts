/**
 * C2SP tlog-tiles coordinates and paths, tile height 8.
 *
 * Hash tile (L, N) holds the hashes of nodes (8L, N·256 + i), i < width:
 * level 0 holds leaf hashes, level L ≥ 1 the roots of full tiles below.
 * The entry bundle with the same N holds the entries of level-0 tile N.
 */
import { TlogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { hashRun } from './merkle.js';
import { checkCount, MAX_TREE_SIZE, pow2 } from './numbers.js';

export const TILE_HEIGHT = 8;
/** Hashes (or entries) in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
/** The `level` of an entry bundle. */
export const ENTRIES = -1;
/** Highest hash tile level a path may name (C2SP: 0..63). */
export const MAX_TILE_LEVEL = 63;

/** A hash tile (level ≥ 0) or entry bundle (level = ENTRIES), `width` 1..256. */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** 256^level: how many leaves one hash of a level-`level` tile covers. */
export function leavesPerHash(level: number): number {
  return pow2(TILE_HEIGHT * Math.max(level, 0));
}

/** The tile path of C2SP tlog-tiles: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`. */
export function tilePath(tile: Tile): string {
  const { level, index, width } = tile;
  checkCount(index, 'tile index');
  if (!(Number.isInteger(width) && width >= 1 && width <= TILE_WIDTH)) {
    throw new TlogError('bad-tile', `tile width ${width} is not in 1..256`);
  }
  if (!(level === ENTRIES || (Number.isInteger(level) && level >= 0 && level <= MAX_TILE_LEVEL))) {
    throw new TlogError('bad-tile', `tile level ${level} is not in 0..63`);
  }
  let n = String(index % 1000).padStart(3, '0');
  for (let rest = Math.floor(index / 1000); rest > 0; rest = Math.floor(rest / 1000)) {
    n = `x${String(rest % 1000).padStart(3, '0')}/${n}`;
  }
  const l = level === ENTRIES ? 'entries' : String(level);
  return `tile/${l}/${n}${width === TILE_WIDTH ? '' : `.p/${width}`}`;
}

/**
 * Parses a tile path strictly: the result formats back to exactly `path`,
 * so leading zeros, `x000` groups, width 0 or 256 and levels over 63 are errors.
 */
export function parseTilePath(path: string): Tile {
  const bad = (why: string) =>
    new TlogError('bad-tile', `tile path ${JSON.stringify(path.slice(0, 80))}: ${why}`);
  if (path.length > 200) throw bad('too long');
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(
    path,
  );
  if (!m) throw bad('not of the form tile/<L>/<N>[.p/<W>]');
  const level = m[1] === 'entries' ? ENTRIES : Number(m[1]);
  if (level > MAX_TILE_LEVEL) throw bad('level over 63');
  const groups = [
    ...m[2]!
      .split('/')
      .filter((g) => g !== '')
      .map((g) => g.slice(1)),
    m[3]!,
  ];
  if (groups.length > 6) throw bad('index too large');
  let index = 0;
  for (const g of groups) index = index * 1000 + Number(g);
  const width = m[4] === undefined ? TILE_WIDTH : Number(m[4]);
  if (m[4] !== undefined && width >= TILE_WIDTH) throw bad('partial width must be 1..255');
  if (!Number.isSafeInteger(index) || index * TILE_WIDTH * leavesPerHash(level) > MAX_TREE_SIZE)
    throw bad('index too large');
  const tile = { level, index, width };
  if (tilePath(tile) !== path) throw bad('not canonical');
  return tile;
}

/** The width of tile (level, index) in a tree of `size` leaves: 0 if it has no hashes yet. */
export function tileWidth(level: number, index: number, size: number): number {
  const hashes = Math.floor(size / leavesPerHash(level));
  const full = Math.floor(hashes / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index > full) return 0;
  return hashes % TILE_WIDTH;
}

/**
 * The hash tiles a log publishes when it grows from `oldSize` to `newSize`:
 * every tile that became full, and the one partial tile per level at the
 * new right edge (C2SP tlog-tiles). Levels are listed bottom up.
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  checkCount(oldSize, 'old size');
  checkCount(newSize, 'new size');
  if (oldSize > newSize)
    throw new TlogError('bad-proof-request', `old size ${oldSize} > new size ${newSize}`);
  const tiles: Tile[] = [];
  for (let level = 0; Math.floor(newSize / leavesPerHash(level)) > 0; level++) {
    const oldN = Math.floor(oldSize / leavesPerHash(level));
    const newN = Math.floor(newSize / leavesPerHash(level));
    if (oldN === newN) continue;
    for (let n = Math.floor(oldN / TILE_WIDTH); n < Math.floor(newN / TILE_WIDTH); n++) {
      tiles.push({ level, index: n, width: TILE_WIDTH });
    }
    const width = newN % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: Math.floor(newN / TILE_WIDTH), width });
  }
  return tiles;
}

/** Where node (level, index) of a tree of `size` leaves is found: in which tile, at which hashes. */
export interface NodeLocation {
  readonly tile: Tile;
  /** First hash of the tile under the node. */
  readonly offset: number;
  /** Number of tile hashes under the node (a power of two); their MTH is the node. */
  readonly count: number;
}

/** Locates a complete node of a tree of `size` leaves in the tiles of that tree. */
export function locateNode(level: number, index: number, size: number): NodeLocation {
  checkCount(index, 'node index');
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = pow2(level - tileLevel * TILE_HEIGHT);
  const first = index * count; // index of the first covered hash at level 8·tileLevel
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const width = tileWidth(tileLevel, tileIndex, size);
  const offset = first % TILE_WIDTH;
  if (width < offset + count) {
    throw new TlogError(
      'bad-proof-request',
      `node (${level}, ${index}) is not complete in a tree of size ${size}`,
    );
  }
  return { tile: { level: tileLevel, index: tileIndex, width }, offset, count };
}

/** The node hash at a location, from the bytes of its tile. */
export function hashAt(location: NodeLocation, tileData: Uint8Array): Uint8Array {
  if (tileData.length < (location.offset + location.count) * HASH_SIZE) {
    throw new TlogError('bad-hashes', `${tilePath(location.tile)} is too short`);
  }
  return hashRun(tileData, location.offset, location.count);
}
