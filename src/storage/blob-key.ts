/** Blob keys: which keys a BlobStore accepts, and the content key of a digest. */
import { StorageError } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A blob key is 1 to 512 characters of slash-separated segments of
 * `[A-Za-z0-9._-]`, none empty and none starting with a dot: so no `.`,
 * `..`, hidden names, absolute paths, backslashes, percent escapes or NULs,
 * and the same key means the same file on every filesystem and in S3.
 */
export function isValidBlobKey(key: string): boolean {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 512 &&
    key.split('/').every((s) => SEGMENT.test(s))
  );
}

/** Rejects with 'bad-key' unless `key` is valid (see isValidBlobKey). */
export function checkBlobKey(key: string): string {
  if (!isValidBlobKey(key))
    throw new StorageError('bad-key', `invalid blob key ${JSON.stringify(String(key).slice(0, 100))}`);
  return key;
}

/** A list prefix: empty, or the start of a valid key (it may end with `/`). */
export function checkBlobPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!isValidBlobKey(body))
    throw new StorageError('bad-key', `invalid blob prefix ${JSON.stringify(String(prefix).slice(0, 100))}`);
  return prefix;
}

export function isSha256Hex(s: unknown): s is string {
  return typeof s === 'string' && SHA256_HEX.test(s);
}

/** The content key of a SHA-256 digest: `sha256/<first two hex digits>/<hex>`. */
export function contentKey(sha256: string): string {
  if (!isSha256Hex(sha256))
    throw new StorageError('invalid-argument', 'a content key needs a lowercase hex SHA-256');
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}
