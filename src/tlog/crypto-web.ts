/**
 * Browser implementation of the primitives `tlog/` needs, on the audited
 * pure-JavaScript @noble libraries. Same contract as `crypto-node.ts`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export const implementation = 'web';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/** Same contract as `leafHashes` in crypto-node.ts. */
export function leafHashes(entries: readonly Uint8Array[], out: Uint8Array): void {
  if (out.length < entries.length * 32)
    throw new RangeError(`out holds ${out.length} bytes, need ${entries.length * 32}`);
  for (let i = 0; i < entries.length; i++) {
    out.set(nobleSha256.create().update(LEAF).update(entries[i]!).digest(), i * 32);
  }
}

/** Same contract as `merkleRoot` in crypto-node.ts. */
export function merkleRoot(hashes: Uint8Array, offset: number, count: number): Uint8Array {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count) || offset < 0 || count < 1) {
    throw new RangeError(`bad hash run: offset ${offset}, count ${count}`);
  }
  if ((offset + count) * 32 > hashes.length) {
    throw new RangeError(`need ${count} hashes at ${offset}, have ${Math.floor(hashes.length / 32)}`);
  }
  const start = offset * 32;
  if (count === 1) return hashes.slice(start, start + 32);
  let src = hashes;
  let at = start;
  const dst = new Uint8Array(Math.ceil(count / 2) * 32);
  for (let n = count; n > 1; n = Math.ceil(n / 2)) {
    const pairs = Math.floor(n / 2);
    for (let i = 0; i < pairs; i++) {
      dst.set(
        nobleSha256
          .create()
          .update(NODE)
          .update(src.subarray(at + i * 64, at + i * 64 + 64))
          .digest(),
        i * 32,
      );
    }
    if (n % 2 === 1) dst.set(src.subarray(at + pairs * 64, at + pairs * 64 + 32), pairs * 32);
    src = dst;
    at = 0;
  }
  return src.slice(0, 32);
}

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

export function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  return ed25519.sign(msg, seed);
}

export function ed25519Verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  try {
    return ed25519.verify(sig, msg, pub);
  } catch {
    return false;
  }
}
