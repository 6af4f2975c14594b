/**
 * Strict standard base64 (RFC 4648 §4, with padding), the encoding of every
 * C2SP text format. Browser-safe: no `Buffer`, no `atob`.
 *
 * Decoding MUST accept only the canonical encoding of some byte string: no
 * whitespace, no line breaks, no URL-safe alphabet, padding exactly where
 * RFC 4648 puts it and nowhere else, and zero unused bits in the last
 * character (RFC 4648 §3.5). Anything else is a `TlogError` with the
 * caller's code, so each format reports its own kind of error.
 */
import { TlogError, type TlogErrorCode } from './errors.js';
import { HASH_SIZE } from './hash.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Character code -> 6-bit value, or -1 for characters outside the alphabet. */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** The standard base64 encoding of `bytes`, padded. */
export function encodeBase64(bytes: Uint8Array): string {
  const out: string[] = [];
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = bytes[i]! * 65536 + bytes[i + 1]! * 256 + bytes[i + 2]!;
    out.push(sextets(n, 4));
  }
  const rest = bytes.length - i;
  if (rest === 1) out.push(sextets(bytes[i]! * 65536, 2), '==');
  if (rest === 2) out.push(sextets(bytes[i]! * 65536 + bytes[i + 1]! * 256, 3), '=');
  return out.join('');
}

/** The first `count` base64 characters of the 24-bit group `n`. */
function sextets(n: number, count: number): string {
  let s = '';
  for (let k = 0; k < count; k++) s += ALPHABET[Math.floor(n / 2 ** (18 - 6 * k)) % 64];
  return s;
}

/**
 * Decodes canonical padded standard base64. Throws `TlogError(code)` for
 * anything that `encodeBase64` would not have produced.
 */
export function decodeBase64(s: string, code: TlogErrorCode, what = 'base64'): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw bad(code, what, 'length is not a multiple of 4');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = s.charCodeAt(i + k);
      const padding = i + 4 === s.length && k >= 4 - pad;
      const v = padding ? (c === 61 ? 0 : -1) : c < 128 ? VALUES[c]! : -1;
      if (v < 0) throw bad(code, what, `bad character at offset ${i + k}`);
      n = n * 64 + v;
    }
    for (let k = 0; k < 3 && o < out.length; k++) out[o++] = Math.floor(n / 2 ** (16 - 8 * k)) % 256;
  }
  // Non-zero unused bits in the last character make a second spelling of the same bytes.
  if (encodeBase64(out) !== s) throw bad(code, what, 'not the canonical encoding');
  return out;
}

/** Decodes a base64 line that MUST hold exactly one SHA-256 hash. */
export function decodeHash(s: string, code: TlogErrorCode, what = 'hash'): Uint8Array {
  if (typeof s !== 'string' || s.length !== 44) throw bad(code, what, `is not ${HASH_SIZE} bytes of base64`);
  const h = decodeBase64(s, code, what);
  if (h.length !== HASH_SIZE) throw bad(code, what, `is not ${HASH_SIZE} bytes`);
  return h;
}

function bad(code: TlogErrorCode, what: string, why: string): TlogError {
  return new TlogError(code, `${what}: invalid base64 (${why})`);
}
