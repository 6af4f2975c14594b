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
