/**
 * S3 Object Lock on one version: read its retention and legal hold, raise
 * its retention (never lower it), set its legal hold. AWS S3 user guide,
 * "How S3 Object Lock works"; checked against Ceph RGW 16.
 */
import {
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobProtection, Retention, RetentionMode } from '../blob-store.js';
import { StorageError } from '../errors.js';
import { isMissingObject, isNoLockConfig, s3Code, s3Failure } from './s3-errors.js';

export interface VersionRef {
  client: S3Client;
  bucket: string;
  objectKey: string;
  versionId: string;
  /** The blob key, for messages. */
  key: string;
}

const STRENGTH: Record<RetentionMode, number> = { GOVERNANCE: 1, COMPLIANCE: 2 };

export async function getProtection(v: VersionRef): Promise<BlobProtection> {
  const target = { Bucket: v.bucket, Key: v.objectKey, VersionId: v.versionId };
  const [retention, hold] = await Promise.all([
    v.client.send(new GetObjectRetentionCommand(target)).then(
      (r) => r.Retention,
      (e: unknown) => absentLock(v, e),
    ),
    v.client.send(new GetObjectLegalHoldCommand(target)).then(
      (r) => r.LegalHold,
      (e: unknown) => absentLock(v, e),
    ),
  ]);
  const mode = retention?.Mode;
  return {
    ...((mode === 'GOVERNANCE' || mode === 'COMPLIANCE') &&
      retention?.RetainUntilDate && { retention: { mode, until: retention.RetainUntilDate } }),
    legalHold: hold?.Status === 'ON',
  };
}

/**
 * Raises the version's retention to at least `wanted`: the later date and the
 * stronger mode of the current and the wanted one. A request that would
 * lower either is a no-op for that part; nothing ever shortens.
 */
export async function raiseRetention(
  v: VersionRef,
  wanted: Retention,
): Promise<{ changed: boolean; retention: Retention }> {
  const current = (await getProtection(v)).retention;
  const mode = current && STRENGTH[current.mode] >= STRENGTH[wanted.mode] ? current.mode : wanted.mode;
  const until = current && current.until.getTime() >= wanted.until.getTime() ? current.until : wanted.until;
  if (current && current.mode === mode && current.until.getTime() === until.getTime())
    return { changed: false, retention: current };
  if (!current && until.getTime() <= Date.now())
    throw new StorageError(
      'invalid-argument',
      `a retention date must be in the future, not ${until.toISOString()}`,
    );
  try {
    await v.client.send(
      new PutObjectRetentionCommand({
        Bucket: v.bucket,
        Key: v.objectKey,
        VersionId: v.versionId,
        Retention: { Mode: mode, RetainUntilDate: until },
        // S3 treats GOVERNANCE -> COMPLIANCE as a change of a governance lock; it only strengthens it.
        ...(current?.mode === 'GOVERNANCE' && mode === 'COMPLIANCE' && { BypassGovernanceRetention: true }),
      }),
    );
  } catch (e) {
    throw lockFailure(v, 'setting the retention of', e);
  }
  return { changed: true, retention: { mode, until } };
}

export async function setLegalHold(v: VersionRef, on: boolean): Promise<BlobProtection> {
  try {
    await v.client.send(
      new PutObjectLegalHoldCommand({
        Bucket: v.bucket,
        Key: v.objectKey,
        VersionId: v.versionId,
        LegalHold: { Status: on ? 'ON' : 'OFF' },
      }),
    );
  } catch (e) {
    throw lockFailure(v, 'setting the legal hold of', e);
  }
  return getProtection(v);
}

/** Why a delete of the version was refused: 'locked' with the lock that holds it, else 'forbidden'. */
export async function deleteRefusal(v: VersionRef, e: unknown): Promise<StorageError> {
  const p = await getProtection(v).catch(() => undefined);
  const holds: string[] = [];
  if (p?.legalHold) holds.push('a legal hold');
  if (p?.retention && p.retention.until.getTime() > Date.now())
    holds.push(`${p.retention.mode} retention until ${p.retention.until.toISOString()}`);
  if (holds.length > 0 || /object lock/i.test((e as Error).message ?? ''))
    return new StorageError(
      'locked',
      `${v.key} version ${v.versionId} is WORM-protected (${holds.join(', ') || 'object lock'})`,
      {
        cause: e,
      },
    );
  return new StorageError('forbidden', `S3 refused to delete ${v.key} version ${v.versionId}: ${s3Code(e)}`, {
    cause: e,
  });
}

function absentLock(v: VersionRef, e: unknown): undefined {
  if (isNoLockConfig(e)) return undefined;
  if (s3Code(e) === 'InvalidRequest') return undefined; // the bucket has no Object Lock
  if (isMissingObject(e))
    throw new StorageError('not-found', `no version ${v.versionId} of ${v.key}`, { cause: e });
  throw s3Failure(`reading the lock of ${v.key}`, e);
}

function lockFailure(v: VersionRef, what: string, e: unknown): StorageError {
  if (isMissingObject(e))
    return new StorageError('not-found', `no version ${v.versionId} of ${v.key}`, { cause: e });
  if (s3Code(e) === 'AccessDenied')
    return new StorageError('forbidden', `${what} ${v.key} was refused: AccessDenied`, { cause: e });
  if (s3Code(e) === 'InvalidRequest')
    return new StorageError('invalid-argument', `${what} ${v.key}: the bucket has no Object Lock`, {
      cause: e,
    });
  return s3Failure(`${what} ${v.key}`, e);
}
