/** How the S3 driver reads AWS SDK errors and turns them into StorageErrors. */
import { StorageError } from '../errors.js';

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** HTTP status of an SDK error, when it came from a response. */
export function s3Status(e: unknown): number | undefined {
  return (e as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** S3 error code (NoSuchKey, AccessDenied, ...). */
export function s3Code(e: unknown): string {
  const err = e as SdkError | undefined;
  return err?.Code ?? err?.name ?? '';
}

/** A missing key or version (not a missing bucket, which is a configuration fault). */
export function isMissingObject(e: unknown): boolean {
  return s3Status(e) === 404 && s3Code(e) !== 'NoSuchBucket';
}

/** A version that has no retention or legal hold set (404 from RGW, AWS: NoSuchObjectLockConfiguration). */
export function isNoLockConfig(e: unknown): boolean {
  const code = s3Code(e);
  return code === 'ObjectLockConfigurationNotFoundError' || code === 'NoSuchObjectLockConfiguration';
}

/** StorageErrors pass through; anything else is 'unavailable', naming the S3 code. */
export function s3Failure(what: string, e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  const code = s3Code(e);
  const status = s3Status(e);
  const detail = [code, status && `HTTP ${status}`, (e as SdkError | undefined)?.message]
    .filter(Boolean)
    .join(', ');
  return new StorageError('unavailable', `S3 ${what} failed: ${detail || String(e)}`, { cause: e });
}
