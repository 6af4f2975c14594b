/** File steps of the filesystem BlobStore: stream to a durable temp file, hash a file, per-key locks. */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMeter, type MeterLimits } from '../blob-meter.js';
import { ensureDir, syncDir } from './durable-file.js';

/** Bytes gathered before one writev: large writes, bounded memory. */
const WRITE_BATCH = 1 << 20;

/**
 * Streams `source` through a DigestMeter into a new read-only temp file in
 * `dir`, then fsyncs it. Resolves with the temp path, size and digest;
 * on any failure (the meter's limits included) the temp file is removed.
 */
export async function streamToTemp(
  source: Readable,
  dir: string,
  limits: MeterLimits,
): Promise<{ tmp: string; size: number; sha256: string }> {
  await ensureDir(dir);
  const tmp = join(dir, `${randomBytes(8).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o444);
  const meter = new DigestMeter(limits);
  try {
    await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
      let batch: Buffer[] = [];
      let batched = 0;
      for await (const chunk of chunks) {
        batch.push(chunk);
        batched += chunk.byteLength;
        if (batched >= WRITE_BATCH) {
          await writeAll(fh, batch);
          batch = [];
          batched = 0;
        }
      }
      if (batched > 0) await writeAll(fh, batch);
    });
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return { tmp, size: meter.bytes, sha256: meter.sha256 };
}

async function writeAll(fh: import('node:fs/promises').FileHandle, buffers: Buffer[]): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const written = (await fh.writev(buffers)).bytesWritten;
  if (written === total) return;
  // A short write: finish it from the first unwritten byte.
  const rest = Buffer.concat(buffers).subarray(written);
  let offset = 0;
  while (offset < rest.byteLength) offset += (await fh.write(rest, offset)).bytesWritten;
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
  await pipeline(createReadStream(path), meter, async (chunks: AsyncIterable<Buffer>) => {
    for await (const _ of chunks);
  });
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
