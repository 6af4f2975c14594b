/** Strict parsing of numbers in paths and query strings: canonical decimal, safe integers only. */
import { parseDecimal } from '../tlog/numbers.js';
import { HttpError } from './errors.js';

/** A canonical decimal within [0, max]; `fallback` when absent. HttpError 'bad-request' otherwise. */
export function parseIndex(s: string | undefined, what: string, fallback?: number, max?: number): number {
  if (s === undefined) {
    if (fallback === undefined) throw new HttpError('bad-request', `${what} is required`);
    return fallback;
  }
  let n: number;
  try {
    n = parseDecimal(s, what);
  } catch (e) {
    throw new HttpError('bad-request', (e as Error).message);
  }
  if (max !== undefined && n > max)
    throw new HttpError('bad-request', `${what} ${n} is over the limit of ${max}`);
  return n;
}
