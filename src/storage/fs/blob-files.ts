/** File steps of the filesystem BlobStore: stream to a durable temp file, hash a file, per-key locks. */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMeter, type MeterLimits } from '../blob-meter.js';
import { ensureDir, syncDir } from './durable-file.js';

/**
 * Bytes a file sink buffers before it holds the stream back: one writev
 * takes whatever gathered while the previous one ran (bounded memory).
 */
const WRITE_BATCH = 1 << 20;
/**
 * Default bytes written between two early fdatasyncs. They only start the
 * disk's writeback while the body still arrives (the kernel would otherwise
 * keep a whole large body dirty in the page cache and write all of it at
 * the final fsync, after the last byte); durability is still the final
 * fsync after the last write.
 */
export const WRITEBACK_EVERY = 64 << 20;

/**
 * Streams `source` through a DigestMeter into a new read-only temp file in
 * `dir`, then fsyncs it. Resolves with the temp path, size and digest;
 * on any failure (the meter's limits included) the temp file is removed.
 * `writebackEvery`: bytes between early fdatasyncs (0: none).
 */
export async function streamToTemp(
  source: Readable,
  dir: string,
  limits: MeterLimits,
  writebackEvery = WRITEBACK_EVERY,
): Promise<{ tmp: string; size: number; sha256: string }> {
  await ensureDir(dir);
  const tmp = join(dir, `${randomBytes(8).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o444);
  const meter = new DigestMeter(limits);
  const sink = new FileSink(fh, writebackEvery);
  try {
    // Piped, not iterated: an async iterator over the meter would read its
    // whole buffer at once, concatenated (a copy of every byte).
    await pipeline(source, meter, sink);
    await fh.sync();
    await fh.close();
  } catch (e) {
    await sink.idle();
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return { tmp, size: meter.bytes, sha256: meter.sha256 };
}

/**
 * Writes a byte stream to an open file: the chunks buffered while a write
 * runs go out together in one writev (no concatenation), and every
 * `writebackEvery` bytes an fdatasync starts in the background (at most one
 * at a time), so the final fsync finds little left to write. The stream
 * finishes only when that fdatasync has settled; its failure fails the stream.
 */
class FileSink extends Writable {
  #written = 0;
  #flushedAt = 0;
  #flush: Promise<void> | undefined;
  #flushError: Error | undefined;

  constructor(
    private readonly fh: FileHandle,
    private readonly writebackEvery: number,
  ) {
    super({ highWaterMark: WRITE_BATCH });
  }

  /** Resolves when no background fdatasync runs (failure or not). */
  async idle(): Promise<void> {
    await this.#flush;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.#out([chunk], done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (e?: Error | null) => void): void {
    this.#out(
      chunks.map((c) => c.chunk),
      done,
    );
  }

  override _final(done: (e?: Error | null) => void): void {
    this.idle().then(() => done(this.#flushError), done);
  }

  #out(buffers: Buffer[], done: (e?: Error | null) => void): void {
    if (this.#flushError) {
      done(this.#flushError);
      return;
    }
    writeAll(this.fh, buffers).then((n) => {
      this.#written += n;
      const due = this.writebackEvery > 0 && this.#written - this.#flushedAt >= this.writebackEvery;
      if (due && this.#flush === undefined) {
        this.#flushedAt = this.#written;
        this.#flush = this.fh.datasync().then(
          () => {
            this.#flush = undefined;
          },
          (e: Error) => {
            this.#flushError ??= e;
            this.#flush = undefined;
          },
        );
      }
      done();
    }, done);
  }
}

/** Writes every byte of `buffers` at the file position; resolves with their length. */
async function writeAll(fh: FileHandle, buffers: Buffer[]): Promise<number> {
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const written = (await fh.writev(buffers)).bytesWritten;
  if (written === total) return total;
  // A short write: finish it from the first unwritten byte.
  const rest = Buffer.concat(buffers).subarray(written);
  let offset = 0;
  while (offset < rest.byteLength) offset += (await fh.write(rest, offset)).bytesWritten;
  return total;
}

/** Replaces `to` with a durable copy of `from`, through a temp file in `tmpDir`. */
export async function copyDurably(from: string, to: string, tmpDir: string): Promise<void> {
  await ensureDir(tmpDir);
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
  try {
    await copyFile(from, tmp, constants.COPYFILE_EXCL);
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await ensureDir(dirname(to));
    await rename(tmp, to);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(to));
}

/** Size and SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const meter = new DigestMeter();
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline(createReadStream(path, { highWaterMark: WRITE_BATCH }), meter, discard);
  return { size: meter.bytes, sha256: meter.sha256 };
}

/** Runs tasks on the same key one at a time (within this process). */
export class KeyLocks {
  #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.then(task, task);
    const tail = mine.catch(() => {});
    this.#tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
