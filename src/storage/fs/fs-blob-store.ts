/**
 * BlobStore on a local filesystem (embedded mode, tests). Layout under the root:
 *
 *     tmp/<random>.tmp        bodies being written (removed on failure)
 *     <tier>/<key>            the bytes, 0444; a key is in exactly one of
 *                             hot/ warm/ cold/ archive/
 *     digests/<key>           the SHA-256 Vellum computed at put
 *     restored/<key>          readable copy of a cold or archived blob
 *     restores/<key>          {"expiresAt": ...} of that copy
 *
 * A put streams into a temp file (hashing as it goes), fsyncs it, records
 * the digest, links the file to its key (create-if-absent) and fsyncs the
 * directory. A move links a stored file to its new key the same way (its
 * digest is the one its put recorded), then unlinks the old name. The
 * filesystem has no versions and no Object Lock: versionId is always
 * absent, and retention options are refused. One process serves a root at
 * a time (per-key locks are in memory).
 */
import { constants } from 'node:fs';
import { access, link, lstat, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { checkBlobKey, checkBlobPrefix, isSha256Hex } from '../blob-key.js';
import { checkPutOptions, checkRange, clampRange, DigestMeter, invalid, PutBody } from '../blob-meter.js';
import type {
  BlobHealth,
  BlobInfo,
  BlobListEntry,
  BlobLocation,
  BlobRead,
  BlobSource,
  BlobStore,
  DeleteResult,
  GetBlobOptions,
  MoveBlobOptions,
  PutBlobOptions,
  PutBlobResult,
  RestoreOptions,
  RestoreState,
  RetrievalTier,
} from '../blob-store.js';
import { StorageError } from '../errors.js';
import { copyDurably, hashFile, KeyLocks, streamToTemp, WRITEBACK_EVERY } from './blob-files.js';
import { ensureDir, replaceFile, syncDir, syncFile } from './durable-file.js';

const TIERS: readonly RetrievalTier[] = ['hot', 'warm', 'cold', 'archive'];
const READABLE_NOW = new Set<RetrievalTier>(['hot', 'warm']);
const DAY_MS = 86_400_000;
/** Read chunk size: large chunks halve the per-chunk cost of streaming and hashing. */
const READ_CHUNK = 1 << 20;

export interface FsBlobStoreOptions {
  /** The clock for restore expiry (tests). */
  now?: () => Date;
  /**
   * Bytes a put writes between early fdatasyncs, which start the disk's
   * writeback while the body still arrives (default 64 MiB; 0: none, all
   * of it at the final fsync).
   */
  writebackEvery?: number;
}

interface Located {
  tier: RetrievalTier;
  path: string;
  size: number;
  mtime: Date;
}

export class FsBlobStore implements BlobStore {
  readonly backend = 'fs';
  readonly #locks = new KeyLocks();
  readonly #now: () => Date;
  readonly #writebackEvery: number;

  constructor(
    readonly root: string,
    options: FsBlobStoreOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#writebackEvery = options.writebackEvery ?? WRITEBACK_EVERY;
    if (!Number.isSafeInteger(this.#writebackEvery) || this.#writebackEvery < 0)
      throw invalid('writebackEvery must be a non-negative safe integer');
  }

  async put(key: string, source: BlobSource, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    checkBlobKey(key);
    const limits = checkPutOptions(options);
    if (options.retainUntil !== undefined || options.legalHold !== undefined)
      throw invalid('the filesystem store has no Object Lock: retainUntil and legalHold are not supported');
    const body = new PutBody(source);
    try {
      return await this.#locks.run(key, () =>
        guard(key, body, async () => {
          const existing = await this.#locate(key);
          const { tmp, size, sha256 } = await streamToTemp(
            body.stream,
            join(this.root, 'tmp'),
            limits,
            this.#writebackEvery,
          );
          try {
            if (existing) {
              const stored = await this.#digestOf(key, existing);
              if (stored.sha256 !== sha256 || stored.size !== size)
                throw new StorageError('exists-different', `${key} already holds different bytes`);
              return this.#result(key, size, sha256, false);
            }
            // The digest first: bytes at a key always have their digest beside them.
            await replaceFile(this.#path('digests', key), utf8(`${sha256}\n`), 0o444);
            const path = this.#path('hot', key);
            await ensureDir(dirname(path));
            await link(tmp, path);
            await syncDir(dirname(path));
            return this.#result(key, size, sha256, true);
          } finally {
            await unlink(tmp).catch(() => {});
          }
        }),
      );
    } finally {
      body.release();
    }
  }

  /**
   * Gives the blob at `from` the key `to` by a hard link, so no byte is
   * copied, then removes the name `from`. The digest is the one the put of
   * `from` computed and recorded (the file is hashed again only when none
   * was recorded); it must be `expectSha256`. Order, each step durable
   * before the next: the file (fsync'd again: a no-op for a put's file),
   * the digest of `to`, the link at `to` (create-if-absent: never replaces),
   * then `from` unlinked and its digest removed. A crash in between leaves
   * the bytes at `from`, at `to` or at both, always beside their digest.
   */
  async move(from: string, to: string, options: MoveBlobOptions): Promise<PutBlobResult> {
    checkBlobKey(from);
    checkBlobKey(to);
    if (from === to) throw invalid('a blob cannot be moved to its own key');
    if (options?.expectSha256 === undefined) throw invalid('a move needs the expected SHA-256');
    const limits = checkPutOptions({
      expectSha256: options.expectSha256,
      ...(options.size !== undefined && { size: options.size }),
    });
    if (options.retainUntil !== undefined || options.legalHold !== undefined)
      throw invalid('the filesystem store has no Object Lock: retainUntil and legalHold are not supported');
    // Both keys locked, always in key order: two moves never wait on each other.
    const [first, second] = from < to ? [from, to] : [to, from];
    return this.#locks.run(first, () =>
      this.#locks.run(second, () =>
        guard(to, undefined, async () => {
          const source = await this.#locate(from);
          if (!source) throw notFound(from);
          const { size, sha256 } = await this.#digestOf(from, source);
          if (limits.size !== undefined && size !== limits.size)
            throw new StorageError(
              'size-mismatch',
              `${from} has ${size} bytes, not the declared ${limits.size}`,
            );
          if (sha256 !== limits.expectSha256)
            throw new StorageError(
              'digest-mismatch',
              `the SHA-256 of ${from} is ${sha256}, not the expected ${limits.expectSha256}`,
            );
          const existing = await this.#locate(to);
          if (existing) {
            const stored = await this.#digestOf(to, existing);
            if (stored.sha256 !== sha256 || stored.size !== size)
              throw new StorageError('exists-different', `${to} already holds different bytes`);
            return this.#result(to, size, sha256, false);
          }
          await syncFile(source.path);
          await replaceFile(this.#path('digests', to), utf8(`${sha256}\n`), 0o444);
          const path = this.#path('hot', to);
          await ensureDir(dirname(path));
          await link(source.path, path);
          await syncDir(dirname(path));
          // `to` is durable: now `from` may go (bytes first, then the files beside them).
          await unlink(source.path);
          await syncDir(dirname(source.path));
          for (const side of ['digests', 'restored', 'restores'] as const)
            await removeIfExists(this.#path(side, from));
          return this.#result(to, size, sha256, true);
        }),
      ),
    );
  }

  async get(key: string, options: GetBlobOptions = {}): Promise<BlobRead> {
    checkBlobKey(key);
    checkRange(options.range);
    return guard(key, undefined, async () => {
      const info = await this.head(key, options.versionId);
      const path = READABLE_NOW.has(info.tier) ? this.#path(info.tier, key) : this.#path('restored', key);
      if (info.restore.status !== 'available' && info.restore.status !== 'restored')
        throw new StorageError(
          'not-immediately-available',
          `${key} is in the ${info.tier} tier: restore it first`,
          {
            restore: info.restore,
          },
        );
      const fh = await open(path, constants.O_RDONLY);
      let size: number;
      let range: { start: number; end: number } | undefined;
      try {
        size = (await fh.stat()).size;
        range = options.range ? clampRange(options.range, size) : undefined;
      } catch (e) {
        await fh.close();
        throw e;
      }
      const chunks = { highWaterMark: READ_CHUNK };
      let stream: Readable = fh.createReadStream(
        range ? { ...chunks, start: range.start, end: range.end } : chunks,
      );
      if (!range && info.sha256) {
        const check = new DigestMeter({ size: info.size, expectSha256: info.sha256, mismatch: 'corrupt' });
        stream = pipeline(stream, check, () => {}) as DigestMeter;
      }
      return { ...info, stream, length: range ? range.end - range.start + 1 : size, ...(range && { range }) };
    });
  }

  async head(key: string, versionId?: string): Promise<BlobInfo> {
    checkBlobKey(key);
    return guard(key, undefined, async () => {
      const found = versionId === undefined ? await this.#locate(key) : undefined;
      if (!found) throw notFound(key, versionId);
      const sha256 = await this.#recordedDigest(key);
      return {
        key,
        size: found.size,
        ...(sha256 && { sha256 }),
        lastModified: found.mtime,
        tier: found.tier,
        restore: await this.#restoreState(key, found.tier),
      };
    });
  }

  async delete(key: string, versionId?: string): Promise<DeleteResult> {
    checkBlobKey(key);
    return this.#locks.run(key, () =>
      guard(key, undefined, async () => {
        const found = versionId === undefined ? await this.#locate(key) : undefined;
        if (!found) return { key, deleted: false };
        await unlink(found.path);
        await syncDir(dirname(found.path));
        for (const side of ['digests', 'restored', 'restores'] as const)
          await removeIfExists(this.#path(side, key));
        return { key, deleted: true };
      }),
    );
  }

  async *list(prefix: string): AsyncIterable<BlobListEntry> {
    checkBlobPrefix(prefix);
    const found: BlobListEntry[] = [];
    for (const tier of TIERS) await this.#walk(join(this.root, tier), '', prefix, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async health(): Promise<BlobHealth> {
    const t0 = performance.now();
    const base = { backend: this.backend, objectLock: false };
    try {
      await ensureDir(join(this.root, 'tmp'));
      await access(join(this.root, 'tmp'), constants.W_OK);
      return { ...base, ok: true, latencyMs: performance.now() - t0 };
    } catch (e) {
      return { ...base, ok: false, latencyMs: performance.now() - t0, message: (e as Error).message };
    }
  }

  async tier(key: string): Promise<RetrievalTier> {
    return (await this.head(key)).tier;
  }

  /** Moves a blob between tier directories; leaving cold or archive drops any restored copy. */
  async setTier(key: string, tier: RetrievalTier): Promise<void> {
    checkBlobKey(key);
    if (!TIERS.includes(tier)) throw invalid(`unknown tier ${String(tier)}`);
    await this.#locks.run(key, () =>
      guard(key, undefined, async () => {
        const found = await this.#locate(key);
        if (!found) throw notFound(key);
        if (found.tier === tier) return;
        const to = this.#path(tier, key);
        await ensureDir(dirname(to));
        await rename(found.path, to);
        await syncDir(dirname(to));
        await syncDir(dirname(found.path));
        if (READABLE_NOW.has(tier)) {
          await removeIfExists(this.#path('restored', key));
          await removeIfExists(this.#path('restores', key));
        }
      }),
    );
  }

  /** Copies a cold or archived blob to restored/ for `days` days (at once: a disk is never slow to read). */
  async restore(key: string, options: RestoreOptions): Promise<RestoreState> {
    checkBlobKey(key);
    if (!Number.isSafeInteger(options.days) || options.days < 1)
      throw invalid('restore days must be a positive integer');
    return this.#locks.run(key, () =>
      guard(key, undefined, async () => {
        const found = options.versionId === undefined ? await this.#locate(key) : undefined;
        if (!found) throw notFound(key, options.versionId);
        if (READABLE_NOW.has(found.tier)) return { status: 'available' };
        const copy = this.#path('restored', key);
        const state = await this.#restoreState(key, found.tier);
        if (state.status !== 'restored') await copyDurably(found.path, copy, join(this.root, 'tmp'));
        const expiresAt = new Date(this.#now().getTime() + options.days * DAY_MS);
        await replaceFile(
          this.#path('restores', key),
          utf8(JSON.stringify({ expiresAt: expiresAt.toISOString() })),
        );
        return { status: 'restored', expiresAt };
      }),
    );
  }

  #path(area: RetrievalTier | 'digests' | 'restored' | 'restores', key: string): string {
    return join(this.root, area, ...key.split('/'));
  }

  #result(key: string, size: number, sha256: string, created: boolean): PutBlobResult {
    const location: BlobLocation = { backend: this.backend, container: this.root, objectKey: key };
    return { key, size, sha256, location, created };
  }

  /** The tier holding `key`, or undefined. A directory where a key would be is 'bad-key'. */
  async #locate(key: string): Promise<Located | undefined> {
    for (const tier of TIERS) {
      const path = this.#path(tier, key);
      const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (!st) continue;
      if (!st.isFile()) throw new StorageError('bad-key', `${key} is a prefix of other keys, not a blob`);
      return { tier, path, size: st.size, mtime: st.mtime };
    }
    return undefined;
  }

  async #recordedDigest(key: string): Promise<string | undefined> {
    const text = await readFile(this.#path('digests', key), 'utf8').catch(() => '');
    const hex = text.trim();
    return isSha256Hex(hex) ? hex : undefined;
  }

  /** The stored blob's digest: the recorded one, or hashed again when none was recorded. */
  async #digestOf(key: string, found: Located): Promise<{ size: number; sha256: string }> {
    const sha256 = await this.#recordedDigest(key);
    return sha256 ? { size: found.size, sha256 } : hashFile(found.path);
  }

  async #restoreState(key: string, tier: RetrievalTier): Promise<RestoreState> {
    if (READABLE_NOW.has(tier)) return { status: 'available' };
    const text = await readFile(this.#path('restores', key), 'utf8').catch(() => undefined);
    if (text === undefined) return { status: 'archived' };
    const expiresAt = new Date((JSON.parse(text) as { expiresAt: string }).expiresAt);
    const live = expiresAt.getTime() > this.#now().getTime();
    return { status: live ? 'restored' : 'expired', expiresAt };
  }

  async #walk(dir: string, rel: string, prefix: string, out: BlobListEntry[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw e;
    }
    for (const d of entries) {
      const key = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix))
          await this.#walk(join(dir, d.name), key, prefix, out);
      } else if (d.isFile() && key.startsWith(prefix)) {
        const st = await lstat(join(dir, d.name));
        out.push({ key, size: st.size, lastModified: st.mtime });
      }
    }
  }
}

function notFound(key: string, versionId?: string): StorageError {
  return new StorageError(
    'not-found',
    versionId === undefined
      ? `no blob ${key}`
      : `no version ${versionId} of ${key} (the filesystem keeps none)`,
  );
}

const utf8 = (s: string) => new TextEncoder().encode(s);

async function removeIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * Runs `f`; StorageErrors and the body's own errors pass through, a key whose
 * path runs through another key's file is 'bad-key', anything else 'unavailable'.
 */
async function guard<T>(key: string, body: PutBody | undefined, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (body?.failure) throw body.failure.error;
    if (e instanceof StorageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST')
      throw new StorageError('bad-key', `${key} conflicts with another key's path`, { cause: e });
    throw new StorageError('unavailable', `blob storage failed on ${key}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
