/**
 * Files of artifact packages: streaming upload into the tenant's
 * content-addressed blobs, reading, downloading (ranges, presigned
 * redirects) and restoring from cold tiers. A file belongs to one package
 * and names one blob by its SHA-256; the blob is stored once per tenant and
 * counted once per file that references it.
 */
import type { Readable } from 'node:stream';
import type { FileRow, LocationRow, PackageRow } from '../../storage/artifact-store.js';
import type { BlobSource, RestoreState } from '../../storage/blob-store.js';
import { StorageError } from '../../storage/errors.js';
import { DomainError } from '../errors.js';
import { checkName } from '../names.js';
import { type ArtifactContext, isId } from './context.js';
import { fromStorage, NotAvailableError } from './failures.js';
import * as input from './inputs.js';
import { baseName, normalizePath } from './paths.js';
import { type LockState, putLock, syncPackage } from './protection.js';
import { ingest } from './uploads.js';
import { type FileView, fileView } from './views.js';

export interface NewFile {
  /** Relative path in the package (paths.ts); stored NFC-normalized. */
  readonly path: string;
  /** Default application/octet-stream. */
  readonly mediaType?: string;
  /** The bytes, streamed: never held whole in memory. On rejection it may be left unread: the caller owns it. */
  readonly body: BlobSource;
  /** Declared length (Content-Length): a different one is 'bad-request'. */
  readonly size?: number;
  /** Declared SHA-256 (hex): different bytes are 'digest-mismatch'. Either way nothing is stored. */
  readonly sha256?: string;
}

export interface AddedFile {
  readonly file: FileView;
  readonly auditIndex: number;
  /** The bytes were already stored for this tenant (another file has the same content). */
  readonly deduplicated: boolean;
  readonly objectLock: LockState;
}

export interface DownloadOptions {
  /** Inclusive byte range (HTTP `Range: bytes=start-end`). */
  readonly range?: { readonly start: number; readonly end?: number };
  /** Ask for a presigned URL (S3) instead of the bytes; ignored when the store cannot presign. */
  readonly presign?: { readonly expiresSeconds: number };
}

export type Download =
  | {
      readonly kind: 'stream';
      readonly file: FileView;
      /** The bytes; the caller MUST consume or destroy it. A full read errors at its end if they are corrupt. */
      readonly stream: Readable;
      /** Bytes in the stream. */
      readonly length: number;
      /** The range served (inclusive), when one was asked for. */
      readonly range?: { readonly start: number; readonly end: number };
      readonly fileName: string;
      readonly auditIndex: number;
    }
  | {
      readonly kind: 'redirect';
      readonly file: FileView;
      readonly url: string;
      readonly expiresAt: string;
      readonly auditIndex: number;
    };

export class FileService {
  constructor(private readonly ctx: ArtifactContext) {}

  /**
   * Streams a file into an open package. Checks everything it can before
   * reading the body (path, duplicates, limits, package state); a failure
   * while streaming (too large, wrong size or digest, client abort) stores
   * nothing and records nothing.
   */
  async add(tenant: string, actor: string, packageId: string, f: NewFile): Promise<AddedFile> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const path = normalizePath(f?.path);
    const mediaType = input.mediaType(f.mediaType);
    const sha256 = input.sha256(f.sha256);
    const size = input.size(f.size);
    const max = ctx.limits.maxFileBytes;
    if (size !== undefined && size > max)
      throw new DomainError('too-large', `a file is at most ${max} bytes`);
    const pkg = await ctx.package(tenant, packageId);
    checkOpen(pkg, ctx.now(), ctx.limits.maxFilesPerPackage);
    if (await ctx.store.files.byPath(tenant, packageId, path))
      throw new DomainError('conflict', `package ${packageId} already has a file at ${path}`);
    const existing = sha256 === undefined ? undefined : await ctx.store.blobs.get(tenant, sha256);
    const lock = await putLock(ctx, pkg, existing?.retainUntil ?? null);
    const stored = await ingest(ctx, tenant, {
      body: f.body,
      maxBytes: max,
      lock,
      ...(size !== undefined && { size }),
      ...(sha256 !== undefined && { sha256 }),
    });
    const now = ctx.now();
    const id = ctx.id('fil');
    const auditIndex = await ctx.audit.append(tenant, who, now, 'file-added', {
      package: packageId,
      file: id,
      path,
      mediaType,
      size: stored.size,
      sha256: stored.sha256,
    });
    const row = {
      tenant,
      id,
      packageId,
      path,
      mediaType,
      size: stored.size,
      sha256: stored.sha256,
      createdAt: now,
      createdBy: who,
      auditIndex,
    };
    let added: Awaited<ReturnType<typeof ctx.store.files.add>> | undefined;
    try {
      added = await ctx.store.files.add(
        row,
        {
          tenant,
          sha256: stored.sha256,
          size: stored.size,
          key: stored.key,
          versionId: stored.versionId,
          created: stored.created,
          retainUntil: lock.retainUntil ? lock.retainUntil.getTime() : null,
          legalHold: lock.legalHold === true,
          location: {
            id: ctx.id('loc'),
            backend: stored.location.backend,
            container: stored.location.container,
            objectKey: stored.location.objectKey,
            versionId: stored.location.versionId ?? null,
          },
          at: now,
        },
        ctx.limits.maxFilesPerPackage,
      );
    } finally {
      if (!added?.ok)
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          auditIndex,
          'file-added',
          added?.refusal ?? 'not recorded',
        );
    }
    if (!added.ok) throw refused(added.refusal, packageId, path);
    // A hold that arrived while the bytes streamed must cover them too.
    const objectLock =
      added.activeHolds > 0 && !lock.legalHold
        ? await syncPackage(ctx, tenant, packageId)
        : lock.retainUntil
          ? 'applied'
          : 'not-supported';
    const file = await ctx.store.files.get(tenant, id);
    return { file: fileView(file!), auditIndex, deduplicated: !stored.created, objectLock };
  }

  /** A file with its storage locations (deleted files too, marked so). */
  async get(tenant: string, fileId: string): Promise<FileView> {
    checkName(tenant);
    const file = await this.#file(tenant, fileId);
    return fileView(file, await this.ctx.store.locations.forBlob(tenant, file.sha256));
  }

  /** The live files of a package, by path. */
  async list(tenant: string, packageId: string): Promise<FileView[]> {
    checkName(tenant);
    await this.ctx.package(tenant, packageId);
    return (await this.ctx.store.files.list(tenant, packageId)).map((f) => fileView(f));
  }

  /**
   * The bytes of a file (whole or a range), or a presigned URL when asked
   * and the store can make one. A file in a cold or archive tier is
   * NotAvailableError ('not-available', with the restore state). The
   * download's audit entry is durable before any byte or URL is returned.
   */
  async download(tenant: string, actor: string, fileId: string, o: DownloadOptions = {}): Promise<Download> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const file = await this.#file(tenant, fileId);
    if (file.deletedAt !== null) throw new DomainError('not-found', `file ${fileId} was deleted`);
    const blob = await ctx.store.blobs.get(tenant, file.sha256);
    if (blob?.state !== 'live') throw new DomainError('not-found', `the bytes of file ${fileId} are gone`);
    const [location] = await ctx.store.locations.forBlob(tenant, file.sha256);
    const version = blob.versionId ?? undefined;
    const view = fileView(file);
    const event = (via: 'stream' | 'presigned-url', range: { start: number; end: number } | null) =>
      ctx.audit.append(tenant, who, ctx.now(), 'file-downloaded', {
        package: file.packageId,
        file: file.id,
        path: file.path,
        sha256: file.sha256,
        via,
        range,
      });
    if (o.range !== undefined) checkRange(o.range);
    if (o.presign && ctx.blobs.presignGet) {
      const info = await this.#call(tenant, location, blob.key, () => ctx.blobs.head(blob.key, version));
      if (info.restore.status !== 'available' && info.restore.status !== 'restored') {
        await this.#recordTier(tenant, location, info.tier, info.restore);
        throw new NotAvailableError(
          `file ${fileId} is in the ${info.tier} tier: request a restore`,
          info.restore,
        );
      }
      const url = await this.#call(tenant, location, blob.key, () =>
        ctx.blobs.presignGet!(blob.key, {
          expiresSeconds: o.presign!.expiresSeconds,
          ...(version && { versionId: version }),
        }),
      );
      const auditIndex = await event('presigned-url', null);
      return {
        kind: 'redirect',
        file: view,
        url: url.url,
        expiresAt: url.expiresAt.toISOString(),
        auditIndex,
      };
    }
    const read = await this.#call(tenant, location, blob.key, () =>
      ctx.blobs.get(blob.key, { ...(version && { versionId: version }), ...(o.range && { range: o.range }) }),
    );
    let auditIndex: number;
    try {
      auditIndex = await event('stream', read.range ?? null);
    } catch (e) {
      read.stream.destroy();
      throw e;
    }
    return {
      kind: 'stream',
      file: view,
      stream: read.stream,
      length: read.length,
      ...(read.range && { range: read.range }),
      fileName: baseName(file.path),
      auditIndex,
    };
  }

  /** Asks the store for a readable copy of a cold or archived file for `days` days. */
  async restore(
    tenant: string,
    actor: string,
    fileId: string,
    o: { days: number },
  ): Promise<{ restore: RestoreState; auditIndex: number }> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    if (!Number.isSafeInteger(o?.days) || o.days < 1 || o.days > 365) throw input.bad('days must be 1..365');
    const file = await this.#file(tenant, fileId);
    if (file.deletedAt !== null) throw new DomainError('not-found', `file ${fileId} was deleted`);
    const blob = await ctx.store.blobs.get(tenant, file.sha256);
    if (blob?.state !== 'live') throw new DomainError('not-found', `the bytes of file ${fileId} are gone`);
    if (!ctx.blobs.restore)
      throw new DomainError('conflict', 'this blob store has no cold tiers to restore from');
    const version = blob.versionId ?? undefined;
    const [location] = await ctx.store.locations.forBlob(tenant, file.sha256);
    const now = ctx.now();
    const state = await this.#call(tenant, location, blob.key, () =>
      ctx.blobs.restore!(blob.key, { days: o.days, ...(version && { versionId: version }) }),
    );
    const tier = await ctx.blobs.tier(blob.key).catch(() => undefined);
    if (location && tier)
      await ctx.store.locations.setTier(tenant, location.id, {
        tier,
        restoreStatus: state.status,
        restoreRequestedAt: state.status === 'available' ? location.restoreRequestedAt : now,
        restoreExpiresAt: state.expiresAt ? state.expiresAt.getTime() : null,
      });
    const auditIndex = await ctx.audit.append(tenant, who, now, 'restore-requested', {
      package: file.packageId,
      file: file.id,
      sha256: file.sha256,
      days: o.days,
      status: state.status,
    });
    return { restore: state, auditIndex };
  }

  async #file(tenant: string, fileId: string): Promise<FileRow> {
    const file = isId('fil', fileId) ? await this.ctx.store.files.get(tenant, fileId) : undefined;
    if (!file) throw new DomainError('not-found', `no file ${String(fileId).slice(0, 80)}`);
    return file;
  }

  /** Runs a blob store call; a cold tier is recorded on the location and becomes NotAvailableError. */
  async #call<T>(
    tenant: string,
    location: LocationRow | undefined,
    key: string,
    f: () => Promise<T>,
  ): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StorageError && e.code === 'not-immediately-available' && location) {
        const tier = await this.ctx.blobs.tier(key).catch(() => 'cold' as const);
        await this.#recordTier(tenant, location, tier, e.restore ?? { status: 'archived' }).catch(() => {});
      }
      throw fromStorage(e);
    }
  }

  async #recordTier(
    tenant: string,
    location: LocationRow | undefined,
    tier: LocationRow['tier'],
    restore: RestoreState,
  ): Promise<void> {
    if (!location) return;
    await this.ctx.store.locations.setTier(tenant, location.id, {
      tier,
      restoreStatus: restore.status,
      restoreExpiresAt: restore.expiresAt ? restore.expiresAt.getTime() : null,
    });
  }
}

/** Why `pkg` takes no file now (a 'conflict': not open, or expired); undefined when it does. */
export function notTakingFiles(pkg: PackageRow, now: number): DomainError | undefined {
  if (pkg.status !== 'open')
    return new DomainError(
      'conflict',
      `package ${pkg.id} is ${pkg.status}: a finalized package is immutable`,
    );
  if (pkg.expiresAt !== null && pkg.expiresAt <= now)
    return new DomainError('conflict', `package ${pkg.id} has expired: no files can be added`);
  return undefined;
}

function checkOpen(pkg: PackageRow, now: number, maxFiles: number): void {
  const closed = notTakingFiles(pkg, now);
  if (closed) throw closed;
  if (pkg.fileCount >= maxFiles)
    throw new DomainError('too-large', `a package holds at most ${maxFiles} files`);
}

function checkRange(r: { start: number; end?: number }): void {
  const ok =
    Number.isSafeInteger(r.start) &&
    r.start >= 0 &&
    (r.end === undefined || (Number.isSafeInteger(r.end) && r.end >= r.start));
  if (!ok) throw new DomainError('bad-range', 'a range needs 0 <= start <= end');
}

function refused(refusal: string, packageId: string, path: string): DomainError {
  switch (refusal) {
    case 'duplicate-path':
      return new DomainError('conflict', `package ${packageId} already has a file at ${path}`);
    case 'too-many-files':
      return new DomainError('too-large', `package ${packageId} has the most files a package may hold`);
    case 'blob-busy':
      return new DomainError(
        'unavailable',
        'the same bytes are being garbage-collected: upload again shortly',
      );
    default:
      return new DomainError('conflict', `package ${packageId} is no longer open`);
  }
}
