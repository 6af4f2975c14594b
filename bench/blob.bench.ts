/**
 * Blob store benchmarks: put and get of one large file (1 GiB by default,
 * BLOB_BENCH_MIB to change) through the filesystem driver and, when an S3
 * endpoint is configured (S3_ENDPOINT etc., as printed by
 * scripts/ceph-rgw.sh up), through the S3 driver; each beside
 * `cat file | sha256sum` on the same file, as throughput ratio, with the
 * peak resident memory of this process during the operation.
 * A put hashes, writes and fsyncs (fs) or uploads in parts (S3); a get
 * reads the whole blob and checks its digest. Prints numbers; asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobRead, BlobStore, PutBlobResult } from '../src/storage/blob-store.js';
import { FsBlobStore } from '../src/storage/fs/fs-blob-store.js';
import { S3BlobStore } from '../src/storage/s3/s3-blob-store.js';
import { createBucket } from '../src/storage/s3/s3-bucket.js';
import { s3ConfigFromEnv } from '../src/storage/s3/s3-config.js';
import { rate, result, seconds } from './run.js';

const MiB = 1 << 20;

/** Runs `f` while sampling RSS every 10 ms; the peak includes the RSS before it started. */
async function measured<T>(
  f: () => Promise<T>,
): Promise<{ value: T; secs: number; peakRss: number; baseRss: number }> {
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 10);
  const t0 = performance.now();
  try {
    const value = await f();
    const secs = (performance.now() - t0) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { value, secs, peakRss, baseRss };
  } finally {
    clearInterval(timer);
  }
}

function makeFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(8 * MiB);
  for (let done = 0; done < bytes; done += chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
  }
  closeSync(fd);
}

async function drain(read: BlobRead): Promise<number> {
  let n = 0;
  for await (const c of read.stream) n += (c as Buffer).length;
  return n;
}

const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;

async function compare(
  label: string,
  store: BlobStore,
  file: string,
  bytes: number,
  baseline: number,
): Promise<void> {
  const key = `bench/${label}-${Date.now()}`;
  const put = await measured<PutBlobResult>(() =>
    store.put(key, createReadStream(file, { highWaterMark: MiB }), { size: bytes }),
  );
  result(
    `${label} put (hash + store, durable)`,
    rate(bytes, put.secs, 'B'),
    `${seconds(put.secs)}  ${(baseline / put.secs).toFixed(2)}x sha256sum speed  peak RSS ${mib(put.peakRss)} (+${mib(put.peakRss - put.baseRss)})`,
  );
  const get = await measured(async () => drain(await store.get(key)));
  result(
    `${label} get (read + verify digest)`,
    rate(get.value, get.secs, 'B'),
    `${seconds(get.secs)}  ${(baseline / get.secs).toFixed(2)}x sha256sum speed  peak RSS ${mib(get.peakRss)} (+${mib(get.peakRss - get.baseRss)})`,
  );
  await store.delete(key);
  execFileSync('sync');
}

export async function run(): Promise<void> {
  const bytes = Number(process.env.BLOB_BENCH_MIB ?? 1024) * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'vellum-blob-bench-'));
  try {
    const file = join(dir, 'input.bin');
    makeFile(file, bytes);
    execFileSync('sync'); // no dirty pages of the input competing with the puts' fsync
    // Same file, same (warm) page cache, for every contender; the best of two runs.
    const shell = (script: string) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        execFileSync('sh', ['-c', script, 'sh', file]);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      return best;
    };
    console.log(`  ${mib(bytes)} of random bytes in ${dir}`);
    const catSecs = shell('cat "$1" >/dev/null');
    result('cat file > /dev/null (reading alone)', rate(bytes, catSecs, 'B'), seconds(catSecs));
    const baseline = shell('cat "$1" | sha256sum >/dev/null');
    result('cat file | sha256sum', rate(bytes, baseline, 'B'), seconds(baseline));
    try {
      const ossl = shell('cat "$1" | openssl dgst -sha256 >/dev/null');
      result(
        'cat file | openssl dgst -sha256',
        rate(bytes, ossl, 'B'),
        `${seconds(ossl)}  (the SHA-256 node uses)`,
      );
    } catch {
      console.log('  (openssl not installed: no openssl dgst line)');
    }

    await compare('fs', new FsBlobStore(join(dir, 'store')), file, bytes, baseline);

    if (!process.env.S3_ENDPOINT) {
      console.log('  S3: skipped (no S3_ENDPOINT; eval "$(scripts/ceph-rgw.sh up)" and export its settings)');
      return;
    }
    const bucket = `vellum-bench-${Date.now().toString(36)}`;
    const store = new S3BlobStore(s3ConfigFromEnv({ ...process.env, S3_BUCKET: bucket }));
    await createBucket(store.client, bucket, { objectLock: false });
    console.log(
      `  S3 at ${process.env.S3_ENDPOINT}: ${osdStore()}; part size ${mib(store.config.partSize)} x ${store.config.queueSize} in flight`,
    );
    try {
      await compare('s3', store, file, bytes, baseline);
    } finally {
      const { DeleteBucketCommand } = await import('@aws-sdk/client-s3');
      await store.client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
      store.client.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Which OSD backend the local Ceph uses (objects in RAM or on disk), from its ceph.conf. */
function osdStore(): string {
  try {
    const conf = readFileSync(process.env.CEPH_CONF ?? '.cache/ceph/ceph.conf', 'utf8');
    const store = /^osd_objectstore = (\S+)/m.exec(conf)?.[1];
    if (store === 'memstore') return 'Ceph RGW, OSD memstore (objects in RAM)';
    if (store) return `Ceph RGW, OSD ${store} (objects on disk)`;
  } catch {}
  return 'OSD backend unknown (not the local scripts/ceph-rgw.sh cluster)';
}
