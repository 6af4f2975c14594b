/**
 * BlobStore on S3-compatible object storage (Ceph RGW, MinIO, AWS S3),
 * through the AWS SDK v3. Bodies stream through a DigestMeter into
 * @aws-sdk/lib-storage's Upload: one PutObject up to `partSize`, multipart
 * above it, with at most `queueSize` parts in memory. The meter fails the
 * stream before its end when a limit or digest is wrong, so the PutObject
 * is never sent, or the multipart upload is aborted instead of completed.
 *
 * On an Object Lock bucket every version gets the store's retention mode and
 * the caller's retain-until date. The lock headers go with the upload, and
 * are checked and set again on the stored version afterwards: Ceph RGW 16
 * ignores them on CreateMultipartUpload. Versions are deleted by id only, so
 * the store never writes a delete marker (which would hide a locked version
 * without freeing it).
 */

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkBlobKey, checkBlobPrefix, isValidBlobKey } from '../blob-key.js';
import {
  checkPutOptions,
  checkRange,
  DigestMeter,
  invalid,
  type MeterLimits,
  PutBody,
} from '../blob-meter.js';
import type {
  BlobHealth,
  BlobInfo,
  BlobListEntry,
  BlobProtection,
  BlobRead,
  BlobSource,
  BlobStore,
  DeleteResult,
  GetBlobOptions,
  PresignedGet,
  PutBlobOptions,
  PutBlobResult,
  RestoreOptions,
  RestoreState,
  Retention,
  RetrievalTier,
} from '../blob-store.js';
import { StorageError } from '../errors.js';
import { bucketObjectLock } from './s3-bucket.js';
import { checkS3Config, createS3Client, type S3BlobStoreConfig, s3ConfigFromEnv } from './s3-config.js';
import { isMissingObject, s3Code, s3Failure, s3Status } from './s3-errors.js';
import { infoOf } from './s3-object-info.js';
import {
  deleteRefusal,
  getProtection,
  raiseRetention,
  setLegalHold,
  type VersionRef,
} from './s3-protection.js';
import { meteredUpload } from './s3-upload.js';

/** The longest a presigned URL may live (SigV4: X-Amz-Expires <= 604800). */
export const MAX_PRESIGN_SECONDS = 604_800;

/** Thrown through the body stream when the bytes equal the object already stored. */
class SameBytes extends Error {}

export class S3BlobStore implements BlobStore {
  readonly backend = 's3';
  readonly client: S3Client;
  readonly config: S3BlobStoreConfig;
  #objectLock: Promise<boolean> | undefined;

  constructor(config: S3BlobStoreConfig, client?: S3Client) {
    this.config = checkS3Config(config);
    this.client = client ?? createS3Client(this.config);
  }

  /** A store configured from S3_* / AWS_* variables (see s3-config.ts). */
  static fromEnv(env: Record<string, string | undefined> = process.env): S3BlobStore {
    return new S3BlobStore(s3ConfigFromEnv(env));
  }

  async put(key: string, source: BlobSource, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    checkBlobKey(key);
    const limits = checkPutOptions(options);
    const body = new PutBody(source);
    try {
      return await this.#put(key, body, limits, options);
    } catch (e) {
      throw body.failure ? body.failure.error : e;
    } finally {
      body.release();
    }
  }

  async #put(
    key: string,
    body: PutBody,
    limits: MeterLimits,
    options: PutBlobOptions,
  ): Promise<PutBlobResult> {
    const { retainUntil, legalHold } = options;
    const locked = await this.#hasObjectLock();
    if (!locked && (retainUntil !== undefined || legalHold !== undefined))
      throw invalid(
        `bucket ${this.config.bucket} has no Object Lock: retainUntil and legalHold are not supported`,
      );
    if (locked && retainUntil === undefined)
      throw invalid(`bucket ${this.config.bucket} has Object Lock: every put needs retainUntil`);
    if (retainUntil !== undefined && retainUntil.getTime() <= Date.now())
      throw invalid('retainUntil must be in the future');
    const existing = await this.#current(key);
    const existingSha256 = existing && (existing.sha256 ?? (await this.#hashStored(key, existing.versionId)));
    const meter = new DigestMeter({
      ...limits,
      ...(existing && {
        atEnd: (size: number, sha256: string) => {
          if (size !== existing.size || sha256 !== existingSha256)
            throw new StorageError('exists-different', `${key} already holds different bytes`);
          throw new SameBytes();
        },
      }),
    });
    let versionId: string | undefined;
    try {
      versionId = await meteredUpload(
        this.client,
        this.config,
        {
          Bucket: this.config.bucket,
          Key: this.#objectKey(key),
          ...(options.contentType && { ContentType: options.contentType }),
          // Recorded only when verified before the upload completes.
          ...(limits.expectSha256 && { Metadata: { sha256: limits.expectSha256 } }),
          ...(retainUntil && {
            ObjectLockMode: this.config.retentionMode,
            ObjectLockRetainUntilDate: retainUntil,
          }),
          ...(legalHold && { ObjectLockLegalHoldStatus: 'ON' }),
        },
        body.stream,
        meter,
      );
    } catch (e) {
      if (e instanceof SameBytes && existing) {
        await this.#protect(key, existing.versionId, retainUntil, legalHold, existing.protection);
        return this.#result(key, existing.versionId, existing.size, existingSha256!, false);
      }
      throw s3Failure(`upload of ${key}`, e);
    }
    // CompleteMultipartUpload's answer has an empty ETag on RGW 16; the HEAD has it, and the length.
    const stored = await this.head(key, versionId);
    if (stored.size !== meter.bytes)
      throw new StorageError(
        'unavailable',
        `${key} was stored with ${stored.size} bytes, not ${meter.bytes}`,
      );
    await this.#protect(key, versionId, retainUntil, legalHold, stored.protection);
    return this.#result(key, versionId, meter.bytes, meter.sha256, true);
  }

  async get(key: string, options: GetBlobOptions = {}): Promise<BlobRead> {
    checkBlobKey(key);
    const { range, versionId } = options;
    checkRange(range);
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: this.#objectKey(key),
          ...(versionId && { VersionId: versionId }),
          ...(range && { Range: `bytes=${range.start}-${range.end ?? ''}` }),
        }),
      );
    } catch (e) {
      throw await this.#readFailure(key, versionId, e);
    }
    const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
    const size = served ? Number(served[3]) : (out.ContentLength ?? 0);
    const info = infoOf(key, out, size);
    let stream = out.Body as Readable;
    if (!range && info.sha256) {
      const check = new DigestMeter({ size, expectSha256: info.sha256, mismatch: 'corrupt' });
      stream = pipeline(stream, check, () => {}) as DigestMeter;
    }
    return {
      ...info,
      stream,
      length: out.ContentLength ?? 0,
      ...(range && served && { range: { start: Number(served[1]), end: Number(served[2]) } }),
    };
  }

  async head(key: string, versionId?: string): Promise<BlobInfo> {
    checkBlobKey(key);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.config.bucket,
          Key: this.#objectKey(key),
          ...(versionId && { VersionId: versionId }),
        }),
      );
      return infoOf(key, out, out.ContentLength ?? 0);
    } catch (e) {
      if (isMissingObject(e)) throw notFound(key, versionId, e);
      throw s3Failure(`HEAD of ${key}`, e);
    }
  }

  async delete(key: string, versionId?: string): Promise<DeleteResult> {
    checkBlobKey(key);
    // Resolve the version first: a DELETE without one would only add a delete marker.
    const target = await this.head(key, versionId).catch((e: unknown) => {
      if (e instanceof StorageError && e.code === 'not-found') return undefined;
      throw e;
    });
    if (!target) return { key, ...(versionId && { versionId }), deleted: false };
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.config.bucket,
          Key: this.#objectKey(key),
          // An unversioned bucket's objects have no id: there the plain DELETE removes the bytes.
          ...(target.versionId && { VersionId: target.versionId }),
        }),
      );
    } catch (e) {
      if (s3Code(e) === 'AccessDenied' && target.versionId)
        throw await deleteRefusal(this.#version(key, target.versionId), e);
      throw s3Failure(`delete of ${key}`, e);
    }
    return { key, ...(target.versionId && { versionId: target.versionId }), deleted: true };
  }

  async *list(prefix: string): AsyncIterable<BlobListEntry> {
    checkBlobPrefix(prefix);
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.config.bucket,
            Prefix: this.config.prefix + prefix,
            ...(token && { ContinuationToken: token }),
          }),
        );
      } catch (e) {
        throw s3Failure(`listing ${prefix}`, e);
      }
      for (const o of page.Contents ?? []) {
        const key = o.Key?.slice(this.config.prefix.length);
        if (key && isValidBlobKey(key))
          yield { key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async health(): Promise<BlobHealth> {
    const t0 = performance.now();
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
      const objectLock = await this.#hasObjectLock();
      return { ok: true, backend: this.backend, latencyMs: performance.now() - t0, objectLock };
    } catch (e) {
      this.#objectLock = undefined;
      const message = s3Failure(`bucket ${this.config.bucket}`, e).message;
      return {
        ok: false,
        backend: this.backend,
        latencyMs: performance.now() - t0,
        objectLock: false,
        message,
      };
    }
  }

  async tier(key: string): Promise<RetrievalTier> {
    return (await this.head(key)).tier;
  }

  /** Asks S3 to restore a GLACIER or DEEP_ARCHIVE version for `days` (RestoreObject; not in Ceph RGW 16). */
  async restore(key: string, options: RestoreOptions): Promise<RestoreState> {
    if (!Number.isSafeInteger(options.days) || options.days < 1)
      throw invalid('restore days must be a positive integer');
    const info = await this.head(key, options.versionId);
    if (info.restore.status === 'available' || info.restore.status === 'restoring') return info.restore;
    try {
      await this.client.send(
        new RestoreObjectCommand({
          Bucket: this.config.bucket,
          Key: this.#objectKey(key),
          ...(info.versionId && { VersionId: info.versionId }),
          RestoreRequest: { Days: options.days, GlacierJobParameters: { Tier: 'Standard' } },
        }),
      );
    } catch (e) {
      if (s3Code(e) !== 'RestoreAlreadyInProgress') throw s3Failure(`restore of ${key}`, e);
    }
    const after = (await this.head(key, info.versionId)).restore;
    return after.status === 'archived' ? { status: 'restore-requested' } : after;
  }

  async presignGet(
    key: string,
    options: { expiresSeconds: number; versionId?: string },
  ): Promise<PresignedGet> {
    checkBlobKey(key);
    const { expiresSeconds, versionId } = options;
    if (!Number.isSafeInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS)
      throw invalid(`expiresSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (7 days)`);
    const command = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: this.#objectKey(key),
      ...(versionId && { VersionId: versionId }),
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: expiresSeconds });
    return { url, expiresAt: new Date(Date.now() + expiresSeconds * 1000) };
  }

  async setRetention(
    key: string,
    versionId: string,
    retention: Retention,
  ): Promise<{ changed: boolean; retention: Retention }> {
    checkBlobKey(key);
    if (retention.mode !== 'GOVERNANCE' && retention.mode !== 'COMPLIANCE')
      throw invalid('unknown retention mode');
    if (!(retention.until instanceof Date) || !Number.isFinite(retention.until.getTime()))
      throw invalid('invalid retention date');
    return raiseRetention(this.#version(key, checkVersion(versionId)), retention);
  }

  async setLegalHold(key: string, versionId: string, on: boolean): Promise<BlobProtection> {
    checkBlobKey(key);
    return setLegalHold(this.#version(key, checkVersion(versionId)), on === true);
  }

  async getProtection(key: string, versionId: string): Promise<BlobProtection> {
    checkBlobKey(key);
    return getProtection(this.#version(key, checkVersion(versionId)));
  }

  #objectKey(key: string): string {
    return this.config.prefix + key;
  }

  #version(key: string, versionId: string): VersionRef {
    return {
      client: this.client,
      bucket: this.config.bucket,
      objectKey: this.#objectKey(key),
      versionId,
      key,
    };
  }

  #result(
    key: string,
    versionId: string | undefined,
    size: number,
    sha256: string,
    created: boolean,
  ): PutBlobResult {
    const location = {
      backend: this.backend,
      container: `s3://${this.config.bucket}/${this.config.prefix}`,
      objectKey: this.#objectKey(key),
      ...(versionId && { versionId }),
    };
    return { key, ...(versionId && { versionId }), size, sha256, location, created };
  }

  #hasObjectLock(): Promise<boolean> {
    this.#objectLock ??= bucketObjectLock(this.client, this.config.bucket).catch((e: unknown) => {
      this.#objectLock = undefined;
      throw e;
    });
    return this.#objectLock;
  }

  /** The current version at `key`, or undefined (absent, or hidden by a delete marker). */
  async #current(key: string): Promise<BlobInfo | undefined> {
    return this.head(key).catch((e: unknown) => {
      if (e instanceof StorageError && e.code === 'not-found') return undefined;
      throw e;
    });
  }

  /** Hashes a stored version (one written without an expected digest). */
  async #hashStored(key: string, versionId: string | undefined): Promise<string> {
    const read = await this.get(key, versionId ? { versionId } : {});
    const meter = new DigestMeter();
    await new Promise<void>((ok, fail) => pipeline(read.stream, meter, (e) => (e ? fail(e) : ok())));
    return meter.sha256;
  }

  /**
   * Makes the version at least as protected as asked: RGW 16 ignores lock
   * headers on multipart uploads, and an identical re-put may ask for more.
   */
  async #protect(
    key: string,
    versionId: string | undefined,
    retainUntil: Date | undefined,
    legalHold: boolean | undefined,
    seen?: BlobProtection,
  ): Promise<void> {
    if (!versionId) return;
    const v = this.#version(key, versionId);
    const until = seen?.retention?.until.getTime() ?? 0;
    if (retainUntil && (seen?.retention?.mode !== this.config.retentionMode || until < retainUntil.getTime()))
      await raiseRetention(v, { mode: this.config.retentionMode, until: retainUntil });
    if (legalHold && !seen?.legalHold) await setLegalHold(v, true);
  }

  async #readFailure(key: string, versionId: string | undefined, e: unknown): Promise<StorageError> {
    if (isMissingObject(e)) return notFound(key, versionId, e);
    if (s3Status(e) === 416)
      return new StorageError('bad-range', `the range is outside ${key}`, { cause: e });
    if (s3Code(e) === 'InvalidObjectState') {
      const restore = (await this.head(key, versionId).catch(() => undefined))?.restore ?? {
        status: 'archived',
      };
      return new StorageError('not-immediately-available', `${key} is archived: restore it first`, {
        cause: e,
        restore,
      });
    }
    return s3Failure(`GET of ${key}`, e);
  }
}

function checkVersion(versionId: string): string {
  if (typeof versionId !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(versionId))
    throw invalid('a version id is required');
  return versionId;
}

function notFound(key: string, versionId: string | undefined, cause: unknown): StorageError {
  return new StorageError('not-found', versionId ? `no version ${versionId} of ${key}` : `no blob ${key}`, {
    cause,
  });
}
