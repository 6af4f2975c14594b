/**
 * A 1 GiB file (ARTIFACT_BENCH_MIB to change) uploaded to and downloaded
 * from `vellum serve` (a child process) through the HTTP API with the SDK's
 * ArtifactClient, beside `cat file | sha256sum` on the same file, which
 * reads the bytes once and hashes them once (measured before and after; the
 * ratios use the mean). Prints numbers; asserts nothing.
 *
 * - Upload with a declared digest: the client must hash the file before it
 *   sends it (the digest is in the query), so the bytes are read and hashed
 *   twice, once by each side. Printed twice: the request alone (the server
 *   hashes, writes and fsyncs as the bytes arrive) and end to end (client
 *   hash + request), which is what `vellum package push` costs.
 * - Upload without a digest: the server spools the bytes to a staging key,
 *   then stores them at their digest's key (how depends on the domain and
 *   the blob store: a copy through the store, or a move where it has one).
 * - Download: the server checks the bytes against the recorded digest as it
 *   streams them (so it reads and hashes them once, as sha256sum does); the
 *   client drops them, then, in a second download, hashes them and compares.
 *
 * Memory: the server's RSS once it listens (idle), its RSS sampled every
 * 10 ms during each operation (peak), and VmHWM for the whole run.
 * The blob store is the filesystem under the data directory, unless
 * ARTIFACT_BENCH_BACKEND=s3 with the S3_* settings of an endpoint (e.g. the
 * output of scripts/ceph-rgw.sh up): a fresh Object Lock bucket is made.
 */
import { execSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ArtifactClient } from '../src/client/artifacts.js';
import { VellumClient } from '../src/client/index.js';
import { result } from './run.js';
import { serveArgs } from './serve-command.js';

const MiB = 1 << 20;
const SIZE = Number(process.env.ARTIFACT_BENCH_MIB ?? 1024) * MiB;

const mbs = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** VmRSS and VmHWM of a process, in kB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Runs `f`, sampling the server's RSS every 10 ms; resolves with its value, the time and the peak RSS (kB). */
async function measured<T>(
  pid: number,
  f: () => Promise<T>,
): Promise<{ value: T; ms: number; peak: number }> {
  let peak = memory(pid).rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, memory(pid).rss);
  }, 10);
  const t0 = performance.now();
  try {
    const value = await f();
    return { value, ms: performance.now() - t0, peak: Math.max(peak, memory(pid).rss) };
  } finally {
    clearInterval(timer);
  }
}

/** SHA-256 of a file as a client computes it before declaring it: 1 MiB reads. */
async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(MiB);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, MiB, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

function sha256sumMs(file: string): number {
  const t = performance.now();
  execSync(`cat '${file}' | sha256sum`, { stdio: 'ignore' });
  return performance.now() - t;
}

/** Overwrites the first 64 bytes: the next upload has fresh bytes (no deduplication). */
function freshen(file: string): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, randomBytes(64), 0, 64, 0);
  closeSync(fd);
}

/** Environment of the server: the fs blob store, or S3 in a fresh Object Lock bucket. */
async function serverEnv(token: string): Promise<{ env: NodeJS.ProcessEnv; backend: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VELLUM_ADMIN_TOKEN: token,
    VELLUM_RATE_LIMIT: 'off',
    VELLUM_LOG_LEVEL: 'warn',
    VELLUM_RETENTION_INTERVAL: '0',
    VELLUM_SCRUB_INTERVAL: '0',
  };
  if (process.env.ARTIFACT_BENCH_BACKEND !== 's3') {
    delete env.S3_BUCKET;
    return { env, backend: 'fs' };
  }
  const { S3BlobStore } = await import('../src/storage/s3/s3-blob-store.js');
  const { createBucket } = await import('../src/storage/s3/s3-bucket.js');
  const bucket = `vellum-bench-${Date.now().toString(36)}`;
  const store = S3BlobStore.fromEnv({ ...process.env, S3_BUCKET: bucket });
  await createBucket(store.client, bucket, { objectLock: true });
  store.client.destroy();
  return { env: { ...env, S3_BUCKET: bucket }, backend: `s3 (${process.env.S3_ENDPOINT}, ${bucket})` };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-art-bench-'));
  const file = join(dir, 'big.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(16 * MiB);
  for (let done = 0; done < SIZE; done += block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, SIZE - done));
  }
  closeSync(fd);
  const token = `vk_${'0123456789abcdef'}_${'D'.repeat(43)}`;
  const { env, backend } = await serverEnv(token);
  const child = spawn(process.execPath, serveArgs(['--data', join(dir, 'data'), '--port', '0']), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /Vellum listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
    });
    const pid = child.pid!;
    const idle = memory(pid).rss;
    const platform = new VellumClient({ url, token });
    await platform.createTenant('bench');
    const admin = new VellumClient({
      url,
      token: (await platform.createKey('bench', 'tenant-admin', 'b')).token,
    });
    const art = new ArtifactClient(admin);
    const { package: pkg } = await art.createPackage('bench', {
      name: 'big',
      producer: 'bench',
      subject: 'bench',
      retentionClass: 'transient',
    });
    const id = String((pkg as { id: string }).id);
    console.log(`  ${SIZE / MiB} MiB file; blob store: ${backend}`);

    const before = sha256sumMs(file);
    result('cat file | sha256sum (before)', mbs(SIZE, before));

    // Upload, digest declared: the client hashes, then the server hashes and stores as it receives.
    freshen(file);
    const hashed = await measured(pid, () => hashFile(file));
    const declared = await measured(pid, () =>
      art.uploadFile('bench', id, { file, path: 'declared.bin', sha256: hashed.value }),
    );
    // Upload, digest not declared: spooled to staging, then stored at its digest's key.
    freshen(file);
    const spooled = await measured(pid, () => art.uploadFile('bench', id, { file, path: 'spooled.bin' }));
    // Download the last upload: once into a sink that drops the bytes, once hashing them.
    const fileId = String((spooled.value.file as { id: string }).id);
    const dropped = await measured(pid, () =>
      art.download('bench', fileId, new Writable({ write: (_c, _e, cb) => cb() })),
    );
    const expected = await hashFile(file);
    const h = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        cb();
      },
    });
    const down = await measured(pid, () => art.download('bench', fileId, sink));
    const got = h.digest('hex');

    const after = sha256sumMs(file);
    result('cat file | sha256sum (after)', mbs(SIZE, after));
    const baseline = (before + after) / 2;
    const line = (label: string, bytes: number, m: { ms: number; peak: number }, note = '') =>
      result(
        label,
        mbs(bytes, m.ms),
        `${(baseline / m.ms).toFixed(2)}x sha256sum  server peak RSS ${mib(m.peak)}${note}`,
      );
    result('client SHA-256 of the file (before a declared upload)', mbs(SIZE, hashed.ms));
    line('upload, digest declared: the request alone', SIZE, declared);
    line('upload, digest declared: client hash + request', SIZE, {
      ms: hashed.ms + declared.ms,
      peak: declared.peak,
    });
    line('upload, digest not declared (spooled, then stored)', SIZE, spooled);
    line('download (server checks the digest; client drops bytes)', dropped.value.bytes, dropped);
    line(
      'download (server checks the digest; client hashes too)',
      down.value.bytes,
      down,
      got === expected ? '' : `  DIGEST MISMATCH ${got}`,
    );
    const { rss, hwm } = memory(pid);
    result('server RSS idle (listening) / now', `${mib(idle)} / ${mib(rss)}`);
    result('server peak RSS, whole run (VmHWM)', mib(hwm));
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
