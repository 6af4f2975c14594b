/**
 * File paths inside a package: logical, relative, slash-separated names
 * (the blueprint's "package paths are logical paths, not trusted
 * filesystem paths"), checked so that extracting a package anywhere can
 * never escape its directory or produce two names for one file.
 *
 * A path is normalized to Unicode NFC, then must be 1..MAX_PATH_BYTES of
 * UTF-8 in segments of 1..MAX_SEGMENT_BYTES, and MUST NOT:
 * - start with `/` or a drive letter (`C:`), or contain `\`;
 * - have empty segments (`a//b`, a trailing `/`) or `.` / `..` segments;
 * - contain control characters (C0, DEL, C1, so NUL too), lone surrogates,
 *   line/paragraph separators or bidirectional formatting characters
 *   (which make a listing show another name than the stored one).
 * Two paths are the same path when their NFC forms are equal: a package
 * holds at most one file per normalized path.
 */
import { DomainError } from '../errors.js';

export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_DEPTH = 64;

const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const DRIVE = /^[A-Za-z]:/;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** The normalized form of `input`; DomainError('bad-request') naming the rule it breaks. */
export function normalizePath(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) throw bad('a file path is required');
  if (input.length > MAX_PATH_BYTES * 4) throw bad(`a file path is at most ${MAX_PATH_BYTES} bytes`);
  if (FORBIDDEN.test(input))
    throw bad('a file path must not contain control, bidirectional or line-separator characters');
  const path = input.normalize('NFC');
  if (utf8Length(path) > MAX_PATH_BYTES) throw bad(`a file path is at most ${MAX_PATH_BYTES} bytes of UTF-8`);
  if (path.includes('\\')) throw bad('a file path uses / as separator: backslashes are not allowed');
  if (path.startsWith('/') || DRIVE.test(path)) throw bad('a file path must be relative');
  const segments = path.split('/');
  if (segments.length > MAX_DEPTH) throw bad(`a file path has at most ${MAX_DEPTH} segments`);
  for (const s of segments) {
    if (s === '') throw bad('a file path has no empty segments (no //, no trailing /)');
    if (s === '.' || s === '..') throw bad('a file path has no . or .. segments');
    if (utf8Length(s) > MAX_SEGMENT_BYTES)
      throw bad(`each segment of a file path is at most ${MAX_SEGMENT_BYTES} bytes of UTF-8`);
  }
  return path;
}

/** The last segment: the name a download suggests. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function bad(message: string): DomainError {
  return new DomainError('bad-request', message);
}
