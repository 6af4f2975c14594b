/**
 * Merkle tree hashes of RFC 6962 §2.1 and the Go sumdb "stored hash"
 * numbering. A node is named by its level and index: node (L, k) is the
 * root of the complete subtree over leaves [k·2^L, (k+1)·2^L).
 */
import { TlogError } from './errors.js';
import { EMPTY_ROOT, HASH_SIZE, merkleRoot, nodeHash } from './hash.js';
import { checkCount, log2Floor, pow2 } from './numbers.js';

/** A node of the tree: the complete subtree of 2^level leaves starting at leaf index·2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * The complete subtrees that make up the leaf range [lo, hi), left to
 * right, largest first. `lo` must be aligned as in RFC 6962's recursion
 * (a multiple of the largest power of two not above hi - lo), which holds
 * for every range a proof or a tree hash needs.
 */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  const out: NodeId[] = [];
  while (lo < hi) {
    let size = pow2(log2Floor(hi - lo));
    while (lo % size !== 0) size /= 2;
    const level = log2Floor(size);
    out.push({ level, index: lo / size });
    lo += size;
  }
  return out;
}

/** MTH of a range from the hashes of its `rangeNodes`, folded right to left. */
export function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/**
 * MTH of `count` consecutive hashes stored back to back in `data` from hash
 * `offset` on (RFC 6962 §2.1 over those hashes as leaves of a subtree), as
 * a new 32-byte array.
 */
export function hashRun(data: Uint8Array, offset: number, count: number): Uint8Array {
  if (
    !Number.isSafeInteger(offset) ||
    offset < 0 ||
    !Number.isSafeInteger(count) ||
    count <= 0 ||
    data.length < (offset + count) * HASH_SIZE
  ) {
    throw new TlogError(
      'bad-hashes',
      `need ${count} hashes at ${offset}, have ${Math.floor(data.length / HASH_SIZE)}`,
    );
  }
  return merkleRoot(data, offset, count);
}

/** MTH(D[0:n]) of a list of leaf hashes. */
export function rootOfLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  const data = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) throw new TlogError('bad-hashes', `hash ${i} has ${h.length} bytes`);
    data.set(h, i * HASH_SIZE);
  });
  return hashRun(data, 0, hashes.length);
}

/**
 * The position of node (level, n) in the Go sumdb stored-hash order, where
 * every leaf hash is followed by the hashes of the subtrees it completes.
 */
export function storedHashIndex(level: number, n: number): number {
  checkCount(n, 'node index');
  if (!Number.isInteger(level) || level < 0 || level > 62)
    throw new TlogError('bad-number', `level ${level}`);
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  const out = i + level;
  if (!Number.isSafeInteger(out))
    throw new TlogError('bad-number', `stored hash index of (${level}, ${n}) overflows`);
  return out;
}

function trailingOnes(n: number): number {
  let c = 0;
  while (n % 2 === 1) {
    c++;
    n = Math.floor(n / 2);
  }
  return c;
}

/** The inverse of `storedHashIndex`. */
export function splitStoredHashIndex(index: number): NodeId {
  checkCount(index, 'stored hash index');
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // Record n+1 adds itself and the subtrees it completes: 1 + trailing zeros of n+1.
    const x = indexN + 1 + trailingOnes(n);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, index: Math.floor(n / pow2(level)) };
}

/** How many stored hashes a tree of n leaves has. */
export function storedHashCount(n: number): number {
  checkCount(n, 'tree size');
  if (n === 0) return 0;
  return storedHashIndex(0, n - 1) + 1 + trailingOnes(n - 1);
}
