/**
 * RFC 6962 §2.1 hashing with SHA-256, the only hash of a C2SP tlog-tiles log.
 * The SHA-256 implementation comes from `#crypto` so a browser build can swap it.
 */
import { implementation, leafHashes, merkleRoot, sha256 } from '#crypto';

/**
 * Batch hashing, for speed over many hashes in one call (same bytes as
 * `leafHash` and folding with `nodeHash`):
 * - `leafHashes(entries, out)` writes the leaf hash of each entry into `out`,
 *   32 bytes each, back to back from byte 0;
 * - `merkleRoot(hashes, offset, count)` returns, as a new array, the MTH of
 *   the `count` (at least 1) 32-byte hashes stored back to back in `hashes`
 *   from hash `offset` on.
 * Both throw RangeError on bad arguments.
 */
export { leafHashes, merkleRoot, sha256 };

/** Which SHA-256 implementation `#crypto` resolved to: 'node-native', 'node' or 'web'. */
export const hashImplementation: string = implementation;

/** Size in bytes of every hash in the log. */
export const HASH_SIZE = 32;

/** MTH({}) = SHA-256(""), the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

let scratch = new Uint8Array(1 + 2 * HASH_SIZE);

/** MTH({d}) = SHA-256(0x00 || d): the hash of one entry. */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (scratch.length < entry.length + 1)
    scratch = new Uint8Array(Math.max(entry.length + 1, scratch.length * 2));
  scratch[0] = 0;
  scratch.set(entry, 1);
  return sha256(scratch.subarray(0, entry.length + 1));
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    const buf = new Uint8Array(1 + left.length + right.length);
    buf[0] = 1;
    buf.set(left, 1);
    buf.set(right, 1 + left.length);
    return sha256(buf);
  }
  const buf = scratch.length >= 1 + 2 * HASH_SIZE ? scratch : new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf.subarray(0, 1 + 2 * HASH_SIZE));
}

/** Whether two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
