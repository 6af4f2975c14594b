/**
 * Node implementation of the primitives `tlog/` needs: SHA-256 and Ed25519.
 * Selected through the `#crypto` import condition `node`; browsers get
 * `crypto-web.ts`, which must produce identical bytes (a test checks).
 * Pure functions: no I/O, no clock.
 */
import { createPrivateKey, createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';

export const implementation = 'node';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();
const CACHE_LIMIT = 1024;

function cached(cache: Map<string, KeyObject>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const id = Buffer.from(raw).toString('base64');
  let k = cache.get(id);
  if (k === undefined) {
    k = make();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(id, k);
  }
  return k;
}

function privateKey(seed: Uint8Array): KeyObject {
  return cached(privateKeys, seed, () =>
    createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' }),
  );
}

function publicKey(pub: Uint8Array): KeyObject {
  return cached(publicKeys, pub, () =>
    createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: 'der', type: 'spki' }),
  );
}

/** The 32-byte Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** The 64-byte Ed25519 signature of `msg` by the key with this 32-byte seed. */
export function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, msg, privateKey(seed)));
}

/** Whether `sig` is a valid Ed25519 signature of `msg` by the 32-byte public key `pub`. */
export function ed25519Verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  try {
    return verify(null, msg, publicKey(pub), sig);
  } catch {
    return false;
  }
}
