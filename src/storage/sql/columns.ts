/**
 * Values crossing the SQL boundary: integers that pg returns as strings,
 * bytes that both drivers return as Buffers, and the text rule of the
 * metadata port (well-formed Unicode, no U+0000).
 */
import { StorageError } from '../errors.js';

/** A column integer as a JS number; MUST fail rather than round (pg int8 arrives as a string). */
export function toSafeInteger(v: unknown, what: string): number {
  const n =
    typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || (typeof v === 'string' && !/^-?[0-9]+$/.test(v)))
    throw new StorageError(
      'unavailable',
      `the database returned ${what} = ${String(v).slice(0, 40)}, not a safe integer`,
    );
  return n;
}

export function toNullableInteger(v: unknown, what: string): number | null {
  return v === null || v === undefined ? null : toSafeInteger(v, what);
}

/** A driver's bytes as a caller-owned Uint8Array (a copy). */
export function fromBytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array))
    throw new StorageError('unavailable', `the database returned no bytes for ${what}`);
  return new Uint8Array(v);
}

/** Bytes to bind: both drivers bind Buffers as BLOB / bytea. */
export function toBytes(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Text every driver stores exactly: well-formed UTF-16 (no lone surrogates) and no U+0000. */
export function isStorableText(s: unknown, max = Number.POSITIVE_INFINITY): s is string {
  return typeof s === 'string' && s.length <= max && !/[\u0000\p{Cs}]/u.test(s);
}

/** Rejects with 'bad-key' unless `ok`. */
export function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new StorageError('bad-key', message);
}

/** A safe integer in [min, max]. */
export function isInt(n: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max;
}
