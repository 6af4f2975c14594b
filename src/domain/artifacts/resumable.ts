/**
 * Resumable uploads: a large file sent in parts, so that a dropped
 * connection costs one part, not the file.
 *
 *   start    declares the file: path, media type, size and SHA-256 (both
 *            required: the whole is checked against them at the end)
 *   put      one part at `offset`, which must be the bytes received so far;
 *            a part may declare its own SHA-256 and is refused (and not
 *            counted) when its bytes differ, so the client resends just it
 *   status   how many bytes are in (where to resume after a failure)
 *   complete streams the parts in order into the file's content-addressed
 *            blob through FileService.add: the same checks, the same
 *            `file-added` entry. Bytes that do not hash to the declared
 *            SHA-256 store nothing and end the upload ('digest-mismatch').
 *   abort    ends it; its parts are deleted
 *
 * Parts go only into a package that still takes files. Finalizing (or
 * deleting) a package does not reach into its uploads (the registry port
 * cannot list them); instead the next `put` or `complete` of an upload
 * whose package is no longer open is refused with the 'conflict' a raw
 * upload gets, before any byte is read, and ends the upload 'aborted' with
 * its parts deleted. An upload nobody touches again expires as usual.
 *
 * Parts are staged objects `<tenant>/uploads/<upload>/<offset>` in the
 * staging store: not in the package, not in the audit log, never served.
 * An upload left open expires (`uploadTtlSeconds`, default 24 h after it started); `collect`
 * deletes the parts of expired and ended uploads (best effort, retried on
 * the next run). Completing is idempotent: a retry after a lost answer
 * finds the file already added and answers with it.
 */
import type { Readable } from 'node:stream';
import type { UploadPartRow, UploadRow, UploadState } from '../../storage/artifact-store.js';
import type { BlobRead, BlobSource } from '../../storage/blob-store.js';
import { DomainError } from '../errors.js';
import { checkName } from '../names.js';
import { type ArtifactContext, isId } from './context.js';
import { fromStorage } from './failures.js';
import { type AddedFile, type FileService, notTakingFiles } from './files.js';
import * as input from './inputs.js';
import { normalizePath } from './paths.js';
import { fileView } from './views.js';

/** Most parts of one upload. */
export const MAX_UPLOAD_PARTS = 10_000;
/** A completion that has not finished after this long is taken to have died. */
const STALE_COMPLETION_MS = 15 * 60_000;

export interface NewUpload {
  readonly path: string;
  readonly mediaType?: string;
  /** Length of the whole file. */
  readonly size: number;
  /** SHA-256 (hex) of the whole file. */
  readonly sha256: string;
}

export interface UploadPart {
  /** Where the part starts: must equal the bytes received so far. */
  readonly offset: number;
  readonly body: BlobSource;
  /** Declared length of this part (Content-Length). */
  readonly size?: number;
  /** Declared SHA-256 of this part's bytes. */
  readonly sha256?: string;
}

export interface UploadView {
  readonly id: string;
  readonly packageId: string;
  readonly path: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly state: UploadState;
  /** Bytes received: the offset of the next part. */
  readonly received: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly fileId: string | null;
  readonly failure: string | null;
}

export interface CollectReport {
  /** Uploads found past their expiry and ended as 'expired'. */
  readonly expired: number;
  /** Staged parts deleted. */
  readonly partsDeleted: number;
  /** Parts whose deletion failed (kept for the next run). */
  readonly partsLeft: number;
}

export function uploadView(u: UploadRow): UploadView {
  return {
    id: u.id,
    packageId: u.packageId,
    path: u.path,
    mediaType: u.mediaType,
    size: u.size,
    sha256: u.sha256,
    state: u.state,
    received: u.received,
    createdAt: new Date(u.createdAt).toISOString(),
    createdBy: u.createdBy,
    expiresAt: new Date(u.expiresAt).toISOString(),
    fileId: u.fileId,
    failure: u.failure,
  };
}

/**
 * Where one attempt at the part of `uploadId` at `offset` is staged: the
 * attempt's own key, so that two clients racing with the same part never
 * write over each other (offsets zero-padded so keys sort by offset).
 */
export function partKey(tenant: string, uploadId: string, offset: number, attempt: string): string {
  return `${uploadPrefix(tenant, uploadId)}${String(offset).padStart(16, '0')}.${attempt}`;
}

export function uploadPrefix(tenant: string, uploadId: string): string {
  return `${tenant}/uploads/${uploadId}/`;
}

export class UploadService {
  constructor(
    private readonly ctx: ArtifactContext,
    private readonly files: FileService,
  ) {}

  /** Opens an upload of one file into an open package. */
  async start(tenant: string, actor: string, packageId: string, u: NewUpload): Promise<UploadView> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const path = normalizePath(u?.path);
    const mediaType = input.mediaType(u.mediaType);
    const sha256 = input.sha256(u.sha256);
    const size = input.size(u.size);
    if (sha256 === undefined || size === undefined)
      throw input.bad('a resumable upload declares the whole file: size and sha256');
    if (size > ctx.limits.maxFileBytes)
      throw new DomainError('too-large', `a file is at most ${ctx.limits.maxFileBytes} bytes`);
    const pkg = await ctx.package(tenant, packageId);
    const closed = notTakingFiles(pkg, ctx.now());
    if (closed) throw closed;
    if (await ctx.store.files.byPath(tenant, packageId, path))
      throw new DomainError('conflict', `package ${packageId} already has a file at ${path}`);
    const now = ctx.now();
    const row = {
      tenant,
      id: ctx.id('upl'),
      packageId,
      path,
      mediaType,
      size,
      sha256,
      createdAt: now,
      createdBy: who,
      expiresAt: now + ctx.uploadTtlMs,
    };
    await ctx.store.uploads.create(row);
    return uploadView((await ctx.store.uploads.get(tenant, row.id))!);
  }

  async status(tenant: string, uploadId: string): Promise<UploadView> {
    checkName(tenant);
    return uploadView(await this.#upload(tenant, uploadId));
  }

  /**
   * Stages one part. Refused before reading the body when the upload is not
   * open, its package no longer takes files (finalized, deleting, deleted:
   * the upload is ended 'aborted' and its parts deleted; expired) or
   * `offset` is not where it stands ('conflict', with the offset to resume
   * from); refused after, storing nothing, when the bytes overrun the
   * declared size or differ from the part's declared SHA-256, or when the
   * package was finalized while the part was on its way (the upload ends).
   */
  async put(tenant: string, uploadId: string, part: UploadPart): Promise<UploadView> {
    const { ctx } = this;
    checkName(tenant);
    const offset = part?.offset;
    if (!Number.isSafeInteger(offset) || offset < 0) throw input.bad('offset must be a non-negative integer');
    const size = input.size(part.size);
    const sha256 = input.sha256(part.sha256);
    const u = await this.#upload(tenant, uploadId);
    this.#checkOpen(u, ctx.now());
    await this.#checkPackage(tenant, u);
    if (offset !== u.received) throw offsetConflict(u);
    const room = u.size - offset;
    if (room === 0) throw new DomainError('conflict', `upload ${u.id} has all ${u.size} bytes: complete it`);
    if (size !== undefined && size > room)
      throw new DomainError(
        'too-large',
        `the part overruns the file: ${room} bytes remain at offset ${offset}`,
      );
    const key = partKey(tenant, u.id, offset, ctx.id('prt'));
    const lock = (await ctx.objectLock(ctx.staging))
      ? { retainUntil: new Date(ctx.now() + ctx.stagingLockMs) }
      : {};
    let staged: Awaited<ReturnType<typeof ctx.staging.put>>;
    try {
      staged = await ctx.staging.put(key, part.body, {
        maxBytes: room,
        ...(size !== undefined && { size }),
        ...(sha256 !== undefined && { expectSha256: sha256 }),
        ...lock,
      });
    } catch (e) {
      throw fromStorage(e);
    }
    if (staged.size === 0) {
      await ctx.staging.delete(key, staged.versionId).catch(() => {});
      throw input.bad('a part has at least one byte');
    }
    const added = await ctx.store.uploads.addPart(
      tenant,
      u.id,
      { offset, size: staged.size, sha256: staged.sha256, key, versionId: staged.versionId ?? null },
      ctx.now(),
      MAX_UPLOAD_PARTS,
    );
    if (added !== 'added') {
      // Another request took this offset (or the upload ended) meanwhile: this copy goes.
      await ctx.staging.delete(key, staged.versionId).catch(() => {});
      const now = await this.#upload(tenant, u.id);
      if (added === 'too-many-parts')
        throw new DomainError(
          'too-large',
          `an upload has at most ${MAX_UPLOAD_PARTS} parts: send larger parts`,
        );
      if (added === 'closed') this.#checkOpen(now, ctx.now());
      throw offsetConflict(now);
    }
    // A finalize that committed while the part was on its way: the part (and the upload) go.
    await this.#checkPackage(tenant, u);
    return uploadView((await ctx.store.uploads.get(tenant, u.id))!);
  }

  /**
   * Completes the upload into its package: the parts, in order, are the
   * body of FileService.add with the declared size and SHA-256. On a digest
   * mismatch nothing is stored and the upload fails; on any other failure
   * (the store unavailable, say) it stays open to be completed again.
   */
  async complete(tenant: string, actor: string, uploadId: string): Promise<AddedFile> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    let u = await this.#upload(tenant, uploadId);
    if (u.state === 'completed' && u.fileId) return this.#existing(tenant, u);
    if (u.received !== u.size && u.state === 'open')
      throw new DomainError(
        'conflict',
        `upload ${u.id} has ${u.received} of ${u.size} bytes: send the rest from offset ${u.received}`,
      );
    const now = ctx.now();
    const claimed = await ctx.store.uploads.transition(tenant, u.id, ['open'], 'completing', {
      now,
      staleBefore: now - STALE_COMPLETION_MS,
    });
    if (!claimed) {
      u = await this.#upload(tenant, uploadId);
      if (u.state === 'completed' && u.fileId) return this.#existing(tenant, u);
      if (u.state === 'completing')
        throw new DomainError('conflict', `upload ${u.id} is being completed by another request`);
      this.#checkOpen(u, now);
    }
    if (u.expiresAt <= now) {
      await this.#end(tenant, u.id, 'expired', 'the upload expired before it was completed');
      this.#checkOpen({ ...u, state: 'expired' }, now);
    }
    // A retry after a lost answer: the file is already there.
    const done = await ctx.store.files.byPath(tenant, u.packageId, u.path);
    if (done && done.deletedAt === null && done.sha256 === u.sha256 && done.size === u.size) {
      await ctx.store.uploads.transition(tenant, u.id, ['completing'], 'completed', {
        now: ctx.now(),
        fileId: done.id,
      });
      await this.#deleteParts(tenant, u.id);
      return this.#existing(tenant, { ...u, fileId: done.id });
    }
    const pkg = await ctx.package(tenant, u.packageId);
    if (pkg.status !== 'open') {
      const closed = notTakingFiles(pkg, ctx.now())!;
      await this.#end(tenant, u.id, 'aborted', closed.message);
      throw closed;
    }
    // Open but expired: it may still be extended, so the upload stays open with its parts (as in `put`).
    const expired = notTakingFiles(pkg, ctx.now());
    if (expired) {
      await ctx.store.uploads.transition(tenant, u.id, ['completing'], 'open', { now: ctx.now() });
      throw expired;
    }
    const parts = await ctx.store.uploads.parts(tenant, u.id);
    let added: AddedFile;
    try {
      checkContiguous(u, parts);
      added = await this.files.add(tenant, who, u.packageId, {
        path: u.path,
        mediaType: u.mediaType,
        size: u.size,
        sha256: u.sha256,
        body: this.#concat(parts),
      });
    } catch (e) {
      if (e instanceof DomainError && e.code === 'digest-mismatch') {
        await this.#end(tenant, u.id, 'failed', 'the bytes received do not hash to the declared sha256');
        throw new DomainError(
          'digest-mismatch',
          `the ${u.size} bytes of upload ${u.id} do not hash to the declared sha256 ${u.sha256}: ` +
            "nothing was stored and the upload is closed; start a new one (declare each part's sha256 to catch a bad part when it is sent)",
          { cause: e },
        );
      }
      if (
        e instanceof DomainError &&
        (e.code === 'conflict' || e.code === 'not-found' || e.code === 'too-large')
      ) {
        await this.#end(tenant, u.id, 'failed', e.message);
        throw e;
      }
      await ctx.store.uploads.transition(tenant, u.id, ['completing'], 'open', { now: ctx.now() });
      throw e;
    }
    await ctx.store.uploads.transition(tenant, u.id, ['completing'], 'completed', {
      now: ctx.now(),
      fileId: added.file.id,
    });
    await this.#deleteParts(tenant, u.id);
    return added;
  }

  /** Ends an open upload and deletes its parts. */
  async abort(tenant: string, uploadId: string): Promise<UploadView> {
    checkName(tenant);
    const u = await this.#upload(tenant, uploadId);
    const ok = await this.ctx.store.uploads.transition(tenant, u.id, ['open'], 'aborted', {
      now: this.ctx.now(),
      failure: 'aborted by the client',
    });
    if (!ok)
      throw new DomainError('conflict', `upload ${u.id} is ${(await this.#upload(tenant, u.id)).state}`);
    await this.#deleteParts(tenant, u.id);
    return uploadView(await this.#upload(tenant, u.id));
  }

  /** Expires open uploads past their time and deletes the parts of ended ones. */
  async collect(tenant: string, limit = 100): Promise<CollectReport> {
    const { ctx } = this;
    checkName(tenant);
    let expired = 0;
    let partsDeleted = 0;
    let partsLeft = 0;
    for (const u of await ctx.store.uploads.stale(tenant, ctx.now(), limit)) {
      if (u.state === 'open') {
        const ok = await ctx.store.uploads.transition(tenant, u.id, ['open'], 'expired', {
          now: ctx.now(),
          failure: 'expired before it was completed',
        });
        if (!ok) continue;
        expired++;
      }
      const r = await this.#deleteParts(tenant, u.id);
      partsDeleted += r.deleted;
      partsLeft += r.left;
    }
    return { expired, partsDeleted, partsLeft };
  }

  async #upload(tenant: string, id: string): Promise<UploadRow> {
    const u = isId('upl', id) ? await this.ctx.store.uploads.get(tenant, id) : undefined;
    if (!u) throw new DomainError('not-found', `no upload ${String(id).slice(0, 80)}`);
    return u;
  }

  /**
   * Throws the 'conflict' a raw upload gets when the upload's package no
   * longer takes files. A package that is no longer open never will again:
   * the upload is ended 'aborted' and its parts deleted (unless another
   * request moved it meanwhile). An expired open package may still be
   * extended, so its upload is left to expire.
   */
  async #checkPackage(tenant: string, u: UploadRow): Promise<void> {
    const pkg = await this.ctx.package(tenant, u.packageId);
    const closed = notTakingFiles(pkg, this.ctx.now());
    if (!closed) return;
    if (pkg.status !== 'open') {
      const ended = await this.ctx.store.uploads.transition(tenant, u.id, ['open'], 'aborted', {
        now: this.ctx.now(),
        failure: closed.message,
      });
      if (ended) await this.#deleteParts(tenant, u.id);
    }
    throw closed;
  }

  #checkOpen(u: UploadRow, now: number): void {
    if (u.state === 'open' && u.expiresAt > now) return;
    const why = u.state === 'open' ? 'expired' : u.state;
    throw new DomainError(
      'conflict',
      `upload ${u.id} is ${why}${u.failure ? ` (${u.failure})` : ''}: start a new upload`,
    );
  }

  async #existing(tenant: string, u: UploadRow): Promise<AddedFile> {
    const file = await this.ctx.store.files.get(tenant, u.fileId!);
    if (!file) throw new DomainError('not-found', `the file of upload ${u.id} is gone`);
    // Answered again from the registry: whether the bytes were already stored is not known here.
    const blob = await this.ctx.store.blobs.get(tenant, file.sha256);
    return {
      file: fileView(file),
      auditIndex: file.auditIndex,
      deduplicated: false,
      objectLock: blob?.retainUntil ? 'applied' : 'not-supported',
    };
  }

  async #end(
    tenant: string,
    id: string,
    to: 'failed' | 'expired' | 'aborted',
    failure: string,
  ): Promise<void> {
    await this.ctx.store.uploads.transition(tenant, id, ['completing', 'open'], to, {
      now: this.ctx.now(),
      failure,
    });
    await this.#deleteParts(tenant, id);
  }

  async #deleteParts(tenant: string, id: string): Promise<{ deleted: number; left: number }> {
    const { ctx } = this;
    const parts = await ctx.store.uploads.parts(tenant, id).catch(() => []);
    const gone: number[] = [];
    for (const p of parts) {
      try {
        await ctx.staging.delete(p.key, p.versionId ?? undefined);
        gone.push(p.offset);
      } catch {
        // Locked (Object Lock staging) or unreachable: the next collect tries again.
      }
    }
    await ctx.store.uploads.dropParts(tenant, id, gone).catch(() => {});
    let left = parts.length - gone.length;
    // Copies never recorded (a request that lost a race, or died between staging and recording).
    const u = await ctx.store.uploads.get(tenant, id).catch(() => undefined);
    if (u && u.state !== 'open' && u.state !== 'completing') {
      try {
        for await (const e of ctx.staging.list(uploadPrefix(tenant, id))) {
          if ((await ctx.staging.delete(e.key).catch(() => ({ deleted: false }))).deleted) gone.push(-1);
          else left++;
        }
      } catch {
        // The listing failed: the recorded parts are what counted.
      }
    }
    return { deleted: gone.length, left };
  }

  /** The parts' bytes in order, each read from the staging store in turn. */
  async *#concat(parts: readonly UploadPartRow[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) {
      let read: BlobRead;
      try {
        read = await this.ctx.staging.get(p.key, p.versionId ? { versionId: p.versionId } : {});
      } catch (e) {
        throw fromStorage(e);
      }
      const stream = read.stream as Readable;
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } finally {
        stream.destroy();
      }
    }
  }
}

function offsetConflict(u: UploadRow): DomainError {
  return new DomainError(
    'conflict',
    `upload ${u.id} has ${u.received} of ${u.size} bytes: send the next part at offset ${u.received}`,
  );
}

/** The parts must tile 0..size exactly (the store only ever records them so; a check, not a repair). */
function checkContiguous(u: UploadRow, parts: readonly UploadPartRow[]): void {
  let at = 0;
  for (const p of parts) {
    if (p.offset !== at) break;
    at += p.size;
  }
  if (at !== u.size)
    throw new DomainError('unavailable', `upload ${u.id} is missing parts (${at} of ${u.size} bytes staged)`);
}
