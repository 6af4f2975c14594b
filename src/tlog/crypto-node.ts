/**
 * Node implementation of the primitives `tlog/` needs: SHA-256 and Ed25519.
 * Selected through the `#crypto` import condition `node`; browsers get
 * `crypto-web.ts`, which must produce identical bytes (a test checks).
 * Pure functions: no I/O, no clock.
 *
 * SHA-256 runs in the optional native addon `native/` (built by
 * `npm ci` through scripts/build-native.mjs) when it is built: it calls the
 * OpenSSL inside node for a whole bundle or tile per call, where
 * node:crypto costs a JS-to-native round trip per hash. When the addon is
 * missing or does not load, everything runs on node:crypto, with the same
 * bytes. `implementation` says which: 'node-native' or 'node'.
 */
import { createPrivateKey, createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';

interface Addon {
  /** out[0..32) = SHA-256(data). */
  sha256(data: Uint8Array, out: Uint8Array): void;
  /** out[32i..) = SHA-256(0x00 || data[spans[2i], spans[2i] + spans[2i+1])) for i < count. */
  leafHashes(data: Uint8Array, spans: Float64Array, count: number, out: Uint8Array): void;
  /** out[0..32) = MTH of the `count` hashes at hash `offset` of `hashes`. */
  merkleRoot(hashes: Uint8Array, offset: number, count: number, out: Uint8Array): void;
}

/** The addon, from its fixed place relative to dist/src/tlog/, if it loads and hashes right. */
function loadAddon(): Addon | undefined {
  try {
    const load = createRequire(import.meta.url);
    const addon = load('../../../native/build/Release/vellum_sha256.node') as Addon;
    // A quick self-check against node:crypto, so a broken build can only cost speed.
    const entry = new Uint8Array([0, 1, 2]);
    const probe = new Uint8Array([9, 0, 1, 2, 9]);
    const leaf = new Uint8Array(32);
    addon.leafHashes(probe, new Float64Array([1, 3]), 1, leaf);
    const root = new Uint8Array(32);
    const two = new Uint8Array(64).fill(7);
    addon.merkleRoot(two, 0, 2, root);
    const plain = new Uint8Array(32);
    addon.sha256(entry, plain);
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
    const ok =
      same(leaf, hash('sha256', new Uint8Array([0, 0, 1, 2]), 'buffer')) &&
      same(root, hash('sha256', Buffer.concat([Buffer.from([1]), two]), 'buffer')) &&
      same(plain, hash('sha256', entry, 'buffer'));
    return ok ? addon : undefined;
  } catch {
    return undefined;
  }
}

const addon = loadAddon();

/** Which SHA-256 runs: 'node-native' (the addon) or 'node' (node:crypto). */
export const implementation: string = addon ? 'node-native' : 'node';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  if (addon) {
    const out = new Uint8Array(32);
    addon.sha256(data, out);
    return out;
  }
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

let leafScratch = new Uint8Array(256);
const nodeScratch = new Uint8Array(65);
let spans = new Float64Array(2 * 256);

/**
 * The RFC 6962 leaf hash SHA-256(0x00 || entry) of each entry, written back
 * to back into `out` (32 bytes each, from byte 0).
 */
export function leafHashes(entries: readonly Uint8Array[], out: Uint8Array): void {
  const n = entries.length;
  if (out.length < n * 32) throw new RangeError(`out holds ${out.length} bytes, need ${n * 32}`);
  if (n === 0) return;
  if (addon) {
    // Entries decoded from one bundle are views of one buffer: pass it and
    // where each entry lies in it. Otherwise, pack them into one first.
    if (spans.length < 2 * n) spans = new Float64Array(2 * n);
    const buffer = entries[0]!.buffer;
    let shared = true;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      if (e.buffer !== buffer) shared = false;
      spans[2 * i] = e.byteOffset;
      spans[2 * i + 1] = e.byteLength;
      total += e.byteLength;
    }
    if (shared) {
      addon.leafHashes(new Uint8Array(buffer), spans, n, out);
      return;
    }
    const packed = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      packed.set(e, at);
      spans[2 * i] = at;
      at += e.byteLength;
    }
    addon.leafHashes(packed, spans, n, out);
    return;
  }
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    if (leafScratch.length < e.length + 1)
      leafScratch = new Uint8Array(Math.max(e.length + 1, leafScratch.length * 2));
    leafScratch[0] = 0;
    leafScratch.set(e, 1);
    out.set(hash('sha256', leafScratch.subarray(0, e.length + 1), 'buffer'), i * 32);
  }
}

/**
 * RFC 6962 MTH of the `count` (at least 1) 32-byte hashes stored back to back
 * in `hashes` from hash `offset` on, as a new 32-byte array.
 */
export function merkleRoot(hashes: Uint8Array, offset: number, count: number): Uint8Array {
  checkRun(hashes, offset, count);
  const start = offset * 32;
  if (count === 1) return hashes.slice(start, start + 32);
  if (addon) {
    const out = new Uint8Array(32);
    addon.merkleRoot(hashes, offset, count, out);
    return out;
  }
  // Bottom up, pairing neighbours and carrying an odd last hash up unchanged:
  // the same tree as RFC 6962's split at the largest power of two below n.
  let src = hashes;
  let at = start;
  const dst = new Uint8Array(Math.ceil(count / 2) * 32);
  for (let n = count; n > 1; n = Math.ceil(n / 2)) {
    const pairs = Math.floor(n / 2);
    for (let i = 0; i < pairs; i++) {
      nodeScratch[0] = 1;
      nodeScratch.set(src.subarray(at + i * 64, at + i * 64 + 64), 1);
      dst.set(hash('sha256', nodeScratch, 'buffer'), i * 32);
    }
    if (n % 2 === 1) dst.set(src.subarray(at + pairs * 64, at + pairs * 64 + 32), pairs * 32);
    src = dst;
    at = 0;
  }
  return src.slice(0, 32);
}

function checkRun(hashes: Uint8Array, offset: number, count: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count) || offset < 0 || count < 1) {
    throw new RangeError(`bad hash run: offset ${offset}, count ${count}`);
  }
  if ((offset + count) * 32 > hashes.length) {
    throw new RangeError(`need ${count} hashes at ${offset}, have ${Math.floor(hashes.length / 32)}`);
  }
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
