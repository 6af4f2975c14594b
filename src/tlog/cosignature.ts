/**
 * Ed25519 checkpoint cosignatures, C2SP tlog-cosignature v1
 * (https://c2sp.org/tlog-cosignature, signature type 0x04). A cosignature
 * is a note signature whose bytes are `u64 big-endian timestamp || Ed25519
 * signature` over
 *
 *     cosignature/v1\ntime <timestamp>\n<checkpoint note text>
 *
 * Keys: vkey `<name>+<hex8 keyID>+base64(0x04 || 32-byte public key)` as in
 * the spec. The spec defines no private key encoding; Vellum uses the Go
 * skey shape `PRIVATE+KEY+<name>+<hex8 keyID>+base64(0x04 || 32-byte seed)`,
 * which transparency-dev/formats `NewSignerForCosignatureV1` also reads.
 * The key ID is SHA-256(name || "\n" || 0x04 || public key)[:4].
 *
 * Timestamps: the spec allows up to 2^63 - 1; Vellum handles timestamps up
 * to Number.MAX_SAFE_INTEGER (2^53 - 1, about 285 million years) and
 * rejects larger ones with `TlogError('bad-cosignature')`.
 */
import { ed25519Sign, ed25519Verify } from '#crypto';
import { parseCheckpoint } from './checkpoint.js';
import { TlogError } from './errors.js';
import {
  decodeSignerKey,
  decodeVerifierKey,
  formatSignatureLine,
  generateKeyOfType,
  type NoteSignature,
  type Verifier,
} from './note.js';

/** Signature type of Ed25519 cosignature/v1 (signed-note §Signature types). */
export const COSIGNATURE_TYPE = 0x04;
/** Largest timestamp Vellum accepts (the spec's limit is 2^63 - 1). */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;
/** Bytes of a timestamped Ed25519 signature: 8-byte timestamp + 64-byte signature. */
export const COSIGNATURE_SIZE = 72;

const MAX_SPEC_TIMESTAMP = 2n ** 63n - 1n;
const encoder = new TextEncoder();

/**
 * A witness key. Deliberately not a `Signer`: it signs only complete
 * cosignature/v1 messages, so it cannot be handed to `signNote` by mistake.
 */
export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  /** The type 0x04 vkey of this cosigner. */
  readonly vkey: string;
  /** The 64-byte Ed25519 signature of a message built by `cosign`. */
  signCosignatureMessage(message: Uint8Array): Uint8Array;
}

/** The exact bytes a cosignature signs (tlog-cosignature §Ed25519 signed message). */
export function cosignatureMessage(body: string, timestamp: bigint | number): Uint8Array {
  return encoder.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/** A type 0x04 skey/vkey pair for `name` from a 32-byte seed (from a CSPRNG). */
export function generateCosignerKey(name: string, seed: Uint8Array): { skey: string; vkey: string } {
  return generateKeyOfType(name, COSIGNATURE_TYPE, seed);
}

/** Parses a type 0x04 skey. Throws `TlogError('bad-key')`. */
export function parseCosignerKey(skey: string): Cosigner {
  const k = decodeSignerKey(skey, COSIGNATURE_TYPE);
  const seed = k.key.slice();
  const { vkey } = generateCosignerKey(k.name, seed);
  return { name: k.name, keyId: k.keyId, vkey, signCosignatureMessage: (m) => ed25519Sign(seed, m) };
}

/**
 * A note `Verifier` for a type 0x04 vkey, so `openNote`/`openCheckpoint`
 * accept witness cosignatures. `verify` is false for a malformed or wrong
 * signature or a timestamp above 2^63 - 1; it throws
 * `TlogError('bad-cosignature')` for a valid signature whose timestamp
 * exceeds MAX_TIMESTAMP. Throws `TlogError('bad-key')` for a bad vkey.
 */
export function cosignatureVerifier(vkey: string): Verifier {
  const k = decodeVerifierKey(vkey, COSIGNATURE_TYPE, 32);
  const pub = k.key.slice();
  return {
    name: k.name,
    keyId: k.keyId,
    verify(msg: Uint8Array, sig: Uint8Array): boolean {
      if (!(sig instanceof Uint8Array) || sig.length !== COSIGNATURE_SIZE) return false;
      const ts = readTimestamp(sig);
      if (ts > MAX_SPEC_TIMESTAMP) return false;
      const header = cosignatureMessage('', ts);
      const m = new Uint8Array(header.length + msg.length);
      m.set(header);
      m.set(msg, header.length);
      if (!ed25519Verify(pub, m, sig.subarray(8))) return false;
      if (ts > BigInt(MAX_TIMESTAMP)) throw tooLate(ts);
      return true;
    },
  };
}

function readTimestamp(sig: Uint8Array): bigint {
  return new DataView(sig.buffer, sig.byteOffset, sig.byteLength).getBigUint64(0);
}

function tooLate(ts: bigint): TlogError {
  return new TlogError(
    'bad-cosignature',
    `cosignature timestamp ${ts} exceeds the supported maximum ${MAX_TIMESTAMP}`,
  );
}

/**
 * Cosigns a checkpoint note text at `timestamp` (POSIX seconds, an integer
 * in [0, MAX_TIMESTAMP]) and returns the signature line `— <name> <base64>\n`.
 * `body` MUST parse as a checkpoint (else `TlogError('bad-checkpoint')`).
 * Witnesses answering add-checkpoint MUST NOT use timestamp 0 (tlog-witness).
 */
export function cosign(body: string, cosigner: Cosigner, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TlogError(
      'bad-cosignature',
      `timestamp ${timestamp} is not an integer in [0, ${MAX_TIMESTAMP}]`,
    );
  }
  parseCheckpoint(body);
  const sig = cosigner.signCosignatureMessage(cosignatureMessage(body, timestamp));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) {
    throw new TlogError('bad-cosignature', 'cosigner returned a malformed signature');
  }
  const signature = new Uint8Array(COSIGNATURE_SIZE);
  new DataView(signature.buffer).setBigUint64(0, BigInt(timestamp));
  signature.set(sig, 8);
  return formatSignatureLine({ name: cosigner.name, keyId: cosigner.keyId, signature });
}

/**
 * The timestamp of a cosignature. Call it only on a signature that
 * `openNote` verified with a `cosignatureVerifier`: it checks the shape,
 * not the signature. Throws `TlogError('bad-cosignature')` if the
 * signature is not 72 bytes or its timestamp exceeds MAX_TIMESTAMP.
 */
export function cosignatureTimestamp(sig: NoteSignature): number {
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length !== COSIGNATURE_SIZE) {
    throw new TlogError('bad-cosignature', `a cosignature is ${COSIGNATURE_SIZE} bytes`);
  }
  const ts = readTimestamp(sig.signature);
  if (ts > BigInt(MAX_TIMESTAMP)) throw tooLate(ts);
  return Number(ts);
}
