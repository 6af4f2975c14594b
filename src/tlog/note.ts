/**
 * Signed notes (C2SP signed-note v1.0.0, https://c2sp.org/signed-note) with
 * the semantics of golang.org/x/mod/sumdb/note: text, a blank line, then
 * `— <name> <base64(keyID || signature)>` lines. Key strings use the Go
 * encodings `<name>+<hex8 keyID>+<base64(type || public key)>` (vkey) and
 * `PRIVATE+KEY+<name>+<hex8 keyID>+<base64(type || seed)>` (skey).
 *
 * Pure: the only dependency is `#crypto`.
 */
import { ed25519PublicKey, ed25519Sign, ed25519Verify, sha256 } from '#crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { TlogError, type TlogErrorCode } from './errors.js';

/** Signature type of plain Ed25519 note signatures (signed-note §Signature types). */
export const ED25519_TYPE = 0x01;
/** Notes larger than this many UTF-8 bytes are rejected unread. */
export const MAX_NOTE_SIZE = 1024 * 1024;
/** At most this many signature lines (the spec requires accepting at least 16; Go allows 100). */
export const MAX_SIGNATURES = 100;

const PRIVATE_PREFIX = 'PRIVATE+KEY+';
const SIG_PREFIX = '— ';

/** Signs note texts with one key. */
export interface Signer {
  /** Key name; MUST be a valid key name (`isValidKeyName`). */
  readonly name: string;
  /** 32-bit key ID, an integer in [0, 2^32). */
  readonly keyId: number;
  /** The signature of `msg` (the note text bytes). */
  sign(msg: Uint8Array): Uint8Array;
}

/** Verifies note signatures by one key. */
export interface Verifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `sig` (without the 4-byte key ID) is a valid signature of `msg` (the note text bytes). */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** A `Signer` parsed from an skey, which also knows its verifier key. */
export interface KeySigner extends Signer {
  /** The vkey that verifies this signer's signatures. */
  readonly vkey: string;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
}

/** A note split into text and signature lines, not yet verified. */
export interface ParsedNote {
  /** The text, ending in "\n", without the separating blank line. */
  readonly text: string;
  /** Every signature line, in order, duplicates included. */
  readonly signatures: readonly NoteSignature[];
}

/** A note with at least one signature verified by a known key. */
export interface OpenedNote {
  readonly text: string;
  /** Signatures verified by a known key, one per key, in order. */
  readonly sigs: readonly NoteSignature[];
  /** Signatures from unknown (name, key ID) pairs, identical lines dropped. */
  readonly unverifiedSigs: readonly NoteSignature[];
}

/** The parts of a decoded key string. */
export interface KeyParts {
  readonly name: string;
  readonly keyId: number;
  /** Signature type byte. */
  readonly type: number;
  /** Key material after the type byte (public key for vkeys, seed for skeys). */
  readonly key: Uint8Array;
}

const encoder = new TextEncoder();

/** Key names MUST be non-empty, without Unicode spaces (Go `unicode.IsSpace`) or `+`. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    // Control characters could never appear in a note, so a name holding one is useless.
    !/[\x00-\x20\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000+]/.test(name) &&
    isWellFormed(name)
  );
}

/** Whether a string has no lone UTF-16 surrogates, so it has a UTF-8 encoding. */
function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian (signed-note §Signatures). */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const n = encoder.encode(name);
  const buf = new Uint8Array(n.length + 2 + publicKey.length);
  buf.set(n);
  buf[n.length] = 0x0a;
  buf[n.length + 1] = type;
  buf.set(publicKey, n.length + 2);
  return readUint32(sha256(buf));
}

function readUint32(b: Uint8Array): number {
  return b[0]! * 0x1000000 + b[1]! * 0x10000 + b[2]! * 0x100 + b[3]!;
}

function isKeyId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function concat(type: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.length);
  out[0] = type;
  out.set(key, 1);
  return out;
}

/** Encodes a key string: a vkey, or an skey when `key` is a private seed. */
export function encodeKey(parts: KeyParts, isPrivate: boolean): string {
  const body = `${parts.name}+${hex8(parts.keyId)}+${encodeBase64(concat(parts.type, parts.key))}`;
  return isPrivate ? PRIVATE_PREFIX + body : body;
}

/**
 * Splits a key string into its parts. Splits on the first two `+` only (the
 * base64 may contain `+`). Checks the name, the lowercase 8-digit hex key
 * ID and the base64, but not that the key ID matches the key.
 */
export function decodeKey(s: string, isPrivate: boolean): KeyParts {
  const what = isPrivate ? 'signer key' : 'verifier key';
  if (typeof s !== 'string' || s.length > 8192) throw new TlogError('bad-key', `malformed ${what}`);
  let rest = s;
  if (isPrivate) {
    if (!rest.startsWith(PRIVATE_PREFIX)) {
      throw new TlogError('bad-key', `${what} does not start with ${PRIVATE_PREFIX}`);
    }
    rest = rest.slice(PRIVATE_PREFIX.length);
  }
  const a = rest.indexOf('+');
  const b = a < 0 ? -1 : rest.indexOf('+', a + 1);
  if (b < 0) throw new TlogError('bad-key', `malformed ${what}: want <name>+<hex8>+<base64>`);
  const name = rest.slice(0, a);
  const id = rest.slice(a + 1, b);
  if (!isValidKeyName(name)) throw new TlogError('bad-key', `${what} has an invalid key name`);
  if (!/^[0-9a-f]{8}$/.test(id)) {
    throw new TlogError('bad-key', `${what} key ID is not 8 lowercase hex digits`);
  }
  const raw = decodeBase64(rest.slice(b + 1), 'bad-key', `${what} key`);
  if (raw.length < 2) throw new TlogError('bad-key', `${what} has no key material`);
  return { name, keyId: Number.parseInt(id, 16), type: raw[0]!, key: raw.subarray(1) };
}

/**
 * Decodes a vkey of signature type `type` whose key is `size` bytes, and
 * checks that its key ID is the one computed from name, type and key.
 */
export function decodeVerifierKey(vkey: string, type: number, size: number): KeyParts {
  const k = decodeKey(vkey, false);
  if (k.type !== type) {
    throw new TlogError(
      'bad-key',
      `verifier key type 0x${k.type.toString(16)} is not 0x${type.toString(16)}`,
    );
  }
  if (k.key.length !== size) {
    throw new TlogError('bad-key', `verifier key is ${k.key.length} bytes, want ${size}`);
  }
  if (k.keyId !== computeKeyId(k.name, k.type, k.key)) {
    throw new TlogError('bad-key', 'verifier key ID does not match the key');
  }
  return k;
}

/**
 * Decodes an Ed25519-seed skey of signature type `type`, derives the public
 * key, and checks the key ID against it.
 */
export function decodeSignerKey(skey: string, type: number): KeyParts & { readonly publicKey: Uint8Array } {
  const k = decodeKey(skey, true);
  if (k.type !== type) {
    throw new TlogError('bad-key', `signer key type 0x${k.type.toString(16)} is not 0x${type.toString(16)}`);
  }
  if (k.key.length !== 32) {
    throw new TlogError('bad-key', `signer key seed is ${k.key.length} bytes, want 32`);
  }
  const publicKey = ed25519PublicKey(k.key);
  if (k.keyId !== computeKeyId(k.name, type, publicKey)) {
    throw new TlogError('bad-key', 'signer key ID does not match the key');
  }
  return { ...k, publicKey };
}

/** Encodes an skey/vkey pair for an Ed25519 seed of this signature type. */
export function generateKeyOfType(
  name: string,
  type: number,
  seed: Uint8Array,
): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw new TlogError('bad-key', 'invalid key name');
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new TlogError('bad-key', 'an Ed25519 seed is 32 bytes');
  }
  const publicKey = ed25519PublicKey(seed);
  const keyId = computeKeyId(name, type, publicKey);
  return {
    skey: encodeKey({ name, keyId, type, key: seed }, true),
    vkey: encodeKey({ name, keyId, type, key: publicKey }, false),
  };
}

/**
 * An Ed25519 (type 0x01) key pair for `name` from a 32-byte seed, in the
 * Go `note.GenerateKey` encoding. The seed MUST come from a CSPRNG; this
 * module has no randomness of its own.
 */
export function generateKey(name: string, seed: Uint8Array): { skey: string; vkey: string } {
  return generateKeyOfType(name, ED25519_TYPE, seed);
}

/** Parses an Ed25519 skey. Throws `TlogError('bad-key')`. */
export function parseSignerKey(skey: string): KeySigner {
  const k = decodeSignerKey(skey, ED25519_TYPE);
  const seed = k.key.slice();
  return {
    name: k.name,
    keyId: k.keyId,
    vkey: encodeKey({ ...k, key: k.publicKey }, false),
    sign: (msg) => ed25519Sign(seed, msg),
  };
}

/**
 * Parses an Ed25519 (type 0x01) vkey. Throws `TlogError('bad-key')`. For
 * witness keys (type 0x04) use `cosignatureVerifier` from cosignature.ts.
 */
export function parseVerifierKey(vkey: string): Verifier {
  const k = decodeVerifierKey(vkey, ED25519_TYPE, 32);
  const pub = k.key.slice();
  return { name: k.name, keyId: k.keyId, verify: (msg, sig) => ed25519Verify(pub, msg, sig) };
}

/** Throws `TlogError(code)` unless `text` is a valid note text: UTF-8, no controls but "\n", ends in "\n". */
export function checkNoteText(text: string, code: TlogErrorCode): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new TlogError(code, 'note text must end in a newline');
  }
  if (text.length > MAX_NOTE_SIZE) throw new TlogError(code, 'note text is too large');
  checkCharacters(text, code);
}

function checkCharacters(s: string, code: TlogErrorCode): void {
  if (/[\x00-\x09\x0b-\x1f]/.test(s)) throw new TlogError(code, 'note contains a control character');
  if (!isWellFormed(s)) throw new TlogError(code, 'note is not valid UTF-8');
}

/** `— <name> <base64(keyID || signature)>\n`. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new TlogError('bad-key', 'invalid key name');
  if (!isKeyId(sig.keyId)) throw new TlogError('bad-key', `key ID ${sig.keyId} is not a uint32`);
  const raw = new Uint8Array(4 + sig.signature.length);
  new DataView(raw.buffer).setUint32(0, sig.keyId);
  raw.set(sig.signature, 4);
  return `${SIG_PREFIX}${sig.name} ${encodeBase64(raw)}\n`;
}

/** Parses one signature line, without its newline. Throws `TlogError(code)`. */
export function parseSignatureLine(line: string, code: TlogErrorCode = 'bad-note'): NoteSignature {
  if (typeof line !== 'string' || !line.startsWith(SIG_PREFIX)) {
    throw new TlogError(code, 'signature line does not start with "— "');
  }
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (!isValidKeyName(name)) throw new TlogError(code, 'signature line has an invalid key name');
  const raw = decodeBase64(space < 0 ? '' : rest.slice(space + 1), code, 'signature');
  if (raw.length < 5) throw new TlogError(code, 'signature is too short');
  return { name, keyId: readUint32(raw), signature: raw.slice(4) };
}

/**
 * A text message given as bytes (strict UTF-8, BOM kept) or a string, at
 * most `max` UTF-8 bytes. Throws `TlogError(code)`.
 */
export function decodeText(msg: string | Uint8Array, code: TlogErrorCode, max: number): string {
  if (msg instanceof Uint8Array) {
    if (msg.length > max) throw new TlogError(code, `message is larger than ${max} bytes`);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(msg);
    } catch {
      throw new TlogError(code, 'message is not valid UTF-8');
    }
  }
  if (typeof msg !== 'string') throw new TlogError(code, 'message is not a string or bytes');
  // UTF-8 is never shorter than the UTF-16 length: a cheap first bound before counting.
  if (msg.length > max || utf8Length(msg) > max) {
    throw new TlogError(code, `message is larger than ${max} bytes`);
  }
  if (!isWellFormed(msg)) throw new TlogError(code, 'message is not valid UTF-8');
  return msg;
}

/** UTF-8 length of a well-formed string (each half of a surrogate pair counts 2). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n;
}

/**
 * Splits a note at its last blank line and parses the signature lines
 * without verifying anything (useful to report who signed a note that
 * `openNote` rejected). Throws `TlogError('bad-note')`.
 */
export function parseNote(msg: string | Uint8Array): ParsedNote {
  const s = decodeText(msg, 'bad-note', MAX_NOTE_SIZE);
  checkCharacters(s, 'bad-note');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new TlogError('bad-note', 'note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw new TlogError('bad-note', 'note signatures must end in a newline');
  }
  const lines = block.slice(0, -1).split('\n', MAX_SIGNATURES + 1);
  if (lines.length > MAX_SIGNATURES) {
    throw new TlogError('bad-note', `note has more than ${MAX_SIGNATURES} signatures`);
  }
  return { text, signatures: lines.map((line) => parseSignatureLine(line)) };
}

function keyOf(name: string, keyId: number): string {
  return `${name}+${hex8(keyId)}`;
}

function lineOf(sig: NoteSignature): string {
  return `${keyOf(sig.name, sig.keyId)} ${encodeBase64(sig.signature)}`;
}

/**
 * Opens a signed note (signed-note §Signatures):
 * - signatures from unknown (name, key ID) pairs are ignored and returned
 *   in `unverifiedSigs`;
 * - every signature from a known key MUST verify, else
 *   `TlogError('invalid-signature')` and the whole note is rejected;
 * - a known key that signed more than once is listed once in `sigs`
 *   (byte-identical lines are checked once, different ones each);
 * - if no known key signed, `TlogError('unverified-note')`.
 * Malformed notes (over 1 MiB, over 100 signatures, bad UTF-8 or layout)
 * are `TlogError('bad-note')`. Two different verifiers with the same name
 * and key ID are `TlogError('bad-key')` when a signature needs them.
 */
export function openNote(msg: string | Uint8Array, verifiers: readonly Verifier[]): OpenedNote {
  const { text, signatures } = parseNote(msg);
  const known = new Map<string, Verifier | null>();
  for (const v of verifiers) {
    const k = keyOf(v.name, v.keyId);
    const prev = known.get(k);
    known.set(k, prev === undefined || prev === v ? v : null);
  }
  const textBytes = encoder.encode(text);
  const sigs: NoteSignature[] = [];
  const unverifiedSigs: NoteSignature[] = [];
  const seenLines = new Set<string>();
  const seenKeys = new Set<string>();
  for (const sig of signatures) {
    const line = lineOf(sig);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    const k = keyOf(sig.name, sig.keyId);
    const v = known.get(k);
    if (v === undefined) {
      unverifiedSigs.push(sig);
      continue;
    }
    if (v === null) throw new TlogError('bad-key', `ambiguous key ${k}: two verifiers share it`);
    if (!callVerify(v, textBytes, sig.signature)) {
      throw new TlogError('invalid-signature', `invalid signature for key ${k}`);
    }
    if (!seenKeys.has(k)) sigs.push(sig);
    seenKeys.add(k);
  }
  if (sigs.length === 0) throw new TlogError('unverified-note', 'note has no verifiable signatures');
  return { text, sigs, unverifiedSigs };
}

function callVerify(v: Verifier, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return v.verify(msg, sig) === true;
  } catch (e) {
    if (e instanceof TlogError) throw e;
    return false;
  }
}

/**
 * Signs `text` with every signer and returns the encoded note. `text` MUST
 * be a valid note text ending in "\n"; at least one signer is required.
 */
export function signNote(text: string, signers: readonly Signer[]): string {
  checkNoteText(text, 'bad-note');
  if (signers.length === 0) throw new TlogError('bad-note', 'a note needs at least one signature');
  if (signers.length > MAX_SIGNATURES) throw new TlogError('bad-note', `more than ${MAX_SIGNATURES} signers`);
  const bytes = encoder.encode(text);
  if (bytes.length > MAX_NOTE_SIZE) throw new TlogError('bad-note', 'note text is too large');
  let out = `${text}\n`;
  for (const s of signers) {
    if (!isValidKeyName(s.name) || !isKeyId(s.keyId)) {
      throw new TlogError('bad-key', 'invalid signer name or key ID');
    }
    out += formatSignatureLine({ name: s.name, keyId: s.keyId, signature: s.sign(bytes) });
  }
  return out;
}
