/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one serialization of a
 * JSON value, so that structured entries the platform writes (read events,
 * audit events, records) hash the same everywhere.
 *
 * - Objects: members sorted by the UTF-16 code units of their names
 *   (RFC 8785 §3.2.3), no whitespace.
 * - Numbers: the ECMAScript Number-to-String algorithm (§3.2.2.3), which is
 *   what `JSON.stringify` does for a finite number (-0 becomes 0); NaN and
 *   ±Infinity are errors.
 * - Strings: only `"`, `\` and U+0000..U+001F are escaped, with the short
 *   forms where JSON has them and `\u00xx` (lowercase) otherwise
 *   (§3.2.2.2); a lone surrogate is an error, since it has no UTF-8 form.
 *
 * Only JSON data is accepted: null, booleans, finite numbers, strings,
 * arrays and plain objects. `undefined`, functions, symbols, bigints,
 * class instances (Date, Map, Uint8Array...) and nesting deeper than
 * MAX_DEPTH are errors, never silently dropped or converted.
 */
import { DomainError } from './errors.js';

/** Deepest nesting accepted (a cycle also ends here). */
export const MAX_DEPTH = 64;

const LONE_SURROGATE = /\p{Cs}/u;

/** The canonical JSON text of `value`. Throws DomainError('not-canonical'). */
export function canonicalize(value: unknown): string {
  return serialize(value, 0, '$');
}

/** The UTF-8 bytes of `canonicalize(value)`: what gets hashed or logged. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}

function serialize(value: unknown, depth: number, at: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw fail(at, `${value} is not a finite number`);
      return JSON.stringify(value);
    case 'string':
      return quote(value, at);
    case 'object':
      break;
    default:
      throw fail(at, `a ${typeof value} is not JSON data`);
  }
  if (depth >= MAX_DEPTH) throw fail(at, `nesting deeper than ${MAX_DEPTH} (or a cycle)`);
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) parts.push(serialize(value[i], depth + 1, `${at}[${i}]`));
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw fail(at, 'only plain objects are JSON data');
  const obj = value as Record<string, unknown>;
  // Array.prototype.sort without a comparator orders strings by UTF-16 code units (RFC 8785 §3.2.3).
  const names = Object.keys(obj).sort();
  const parts = names.map(
    (k) => `${quote(k, at)}:${serialize(obj[k], depth + 1, `${at}.${k.slice(0, 40)}`)}`,
  );
  return `{${parts.join(',')}}`;
}

function quote(s: string, at: string): string {
  if (LONE_SURROGATE.test(s)) throw fail(at, 'a string holds a lone surrogate (not valid Unicode)');
  // For well-formed strings, JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(s);
}

function fail(at: string, why: string): DomainError {
  return new DomainError('not-canonical', `cannot write ${at} as canonical JSON: ${why}`);
}
