/**
 * Arithmetic on tree sizes and indexes. They exceed 2^32, so nothing here
 * uses JavaScript's 32-bit bitwise operators; every value is a safe integer
 * (at most 2^53 - 1) and checked to be one.
 */
import { TlogError } from './errors.js';

/** The largest tree size Vellum handles: Number.MAX_SAFE_INTEGER. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** Throws unless `n` is a safe non-negative integer. */
export function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new TlogError('bad-number', `${what} ${n} is not a non-negative safe integer`);
}

/** 2^k for 0 <= k <= 53. */
export function pow2(k: number): number {
  return 2 ** k;
}

/** The largest power of two strictly less than n (n >= 2), as in RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Whether n (>= 1) is a power of two. */
export function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** floor(log2(n)) for n >= 1. */
export function log2Floor(n: number): number {
  let k = 0;
  let p = 1;
  while (p * 2 <= n) {
    p *= 2;
    k++;
  }
  return k;
}

/** Number of 1 bits of n (n a safe non-negative integer). */
export function popCount(n: number): number {
  let c = 0;
  while (n > 0) {
    if (n % 2 === 1) c++;
    n = Math.floor(n / 2);
  }
  return c;
}

/**
 * Parses a canonical decimal: digits only, no sign, no leading zeros
 * (except "0" itself), at most `max`.
 */
export function parseDecimal(s: string, what: string, max = MAX_TREE_SIZE): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s))
    throw new TlogError('bad-number', `${what} ${JSON.stringify(s.slice(0, 40))} is not a canonical decimal`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > max)
    throw new TlogError('bad-number', `${what} ${s} is out of range (max ${max})`);
  return n;
}
