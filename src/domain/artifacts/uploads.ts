/**
 * Streaming a file's bytes into its tenant's content-addressed blob,
 * `<tenant>/blobs/sha256/<hex>`, through the BlobStore port, which counts
 * and hashes every byte itself (a client's or a backend's digest is never
 * the result) and stores nothing when a limit or the declared digest is
 * wrong.
 *
 * - With a declared SHA-256 the body goes straight to its content key,
 *   checked against that digest before the store commits it.
 * - Without one, the key is unknown until the last byte: the body is
 *   spooled to `<tenant>/staging/<id>`, then moved to its content key when
 *   the store can (BlobStore.move: a durable hard link on a filesystem,
 *   the digest the spooling computed), else copied to it (checked again)
 *   and the spooled copy deleted (best effort; `collectStaging` removes
 *   leftovers).
 *
 * Either way a blob stored once is stored once: a put of bytes already at
 * the content key resolves `created: false` with the existing version.
 */
import type { Readable } from 'node:stream';
import type { BlobLocation, BlobSource, PutBlobOptions } from '../../storage/blob-store.js';
import { StorageError } from '../../storage/errors.js';
import { type ArtifactContext, blobKey, stagingKey, stagingPrefix } from './context.js';
import { fromStorage } from './failures.js';

export interface Ingested {
  readonly sha256: string;
  readonly size: number;
  readonly key: string;
  readonly versionId: string | null;
  readonly created: boolean;
  readonly location: BlobLocation;
}

export interface IngestOptions {
  readonly body: BlobSource;
  /** Declared length: a different one is 'bad-request' (nothing stored). */
  readonly size?: number;
  /** Declared lowercase hex SHA-256: a different one is 'digest-mismatch' (nothing stored). */
  readonly sha256?: string;
  readonly maxBytes: number;
  /** Object Lock options of the content version. */
  readonly lock: { retainUntil?: Date; legalHold?: boolean };
}

export async function ingest(ctx: ArtifactContext, tenant: string, o: IngestOptions): Promise<Ingested> {
  const limits: PutBlobOptions = { maxBytes: o.maxBytes, ...(o.size !== undefined && { size: o.size }) };
  try {
    if (o.sha256 !== undefined) {
      const r = await ctx.blobs.put(blobKey(tenant, o.sha256), o.body, {
        ...limits,
        expectSha256: o.sha256,
        ...o.lock,
      });
      return result(r);
    }
    const spooled = stagingKey(tenant, ctx.id('upl'));
    const stagingLock = (await ctx.objectLock(ctx.staging))
      ? { retainUntil: new Date(ctx.now() + ctx.stagingLockMs) }
      : {};
    const staged = await ctx.staging.put(spooled, o.body, { ...limits, ...stagingLock });
    try {
      // One store without versions: the spooled bytes take their content key (a hard link on a filesystem), no second copy.
      if (ctx.staging === ctx.blobs && ctx.blobs.move && staged.versionId === undefined) {
        const r = await ctx.blobs.move(spooled, blobKey(tenant, staged.sha256), {
          size: staged.size,
          expectSha256: staged.sha256,
          ...o.lock,
        });
        return result(r);
      }
      const read = await ctx.staging.get(spooled, staged.versionId ? { versionId: staged.versionId } : {});
      try {
        const r = await ctx.blobs.put(blobKey(tenant, staged.sha256), read.stream as Readable, {
          size: staged.size,
          expectSha256: staged.sha256,
          ...o.lock,
        });
        return result(r);
      } finally {
        read.stream.destroy();
      }
    } finally {
      await ctx.staging.delete(spooled, staged.versionId).catch(() => {});
    }
  } catch (e) {
    throw fromStorage(e);
  }
}

function result(r: {
  sha256: string;
  size: number;
  key: string;
  versionId?: string;
  created: boolean;
  location: BlobLocation;
}): Ingested {
  return {
    sha256: r.sha256,
    size: r.size,
    key: r.key,
    versionId: r.versionId ?? null,
    created: r.created,
    location: r.location,
  };
}

/**
 * Deletes spooled uploads of `tenant` older than `olderThanMs` (left by a
 * crash, or still locked when the upload ended). Resolves with how many
 * went; locked or failing ones stay for the next run.
 */
export async function collectStaging(
  ctx: ArtifactContext,
  tenant: string,
  olderThanMs: number,
): Promise<number> {
  const before = ctx.now() - olderThanMs;
  let n = 0;
  for await (const e of ctx.staging.list(stagingPrefix(tenant))) {
    if (e.lastModified.getTime() > before) continue;
    try {
      if ((await ctx.staging.delete(e.key)).deleted) n++;
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
    }
  }
  return n;
}
