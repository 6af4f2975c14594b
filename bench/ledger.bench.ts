/**
 * Ledger benchmarks: durable appends per second at 1, 64 and 1024
 * concurrent appenders (200-byte entries, fsync per round) with latency
 * percentiles; inclusion proofs per second from a warm 1M-entry log; and
 * resident memory with 10,000 open idle logs. Prints numbers; asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log } from '../src/ledger/log.js';
import { FsCheckpointLock } from '../src/storage/fs/fs-checkpoint-lock.js';
import { FsObjectStore } from '../src/storage/fs/fs-object-store.js';
import { generateKey, parseSignerKey } from '../src/tlog/note.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function openLog(dir: string, name: string): Promise<Log> {
  const signer = parseSignerKey(generateKey(`bench.example/${name}`, randomBytes(32)).skey);
  return Log.open({
    id: `bench/${name}`,
    signer,
    store: new FsObjectStore(join(dir, 'logs', name)),
    lock: new FsCheckpointLock(join(dir, 'locks')),
  });
}

async function appends(dir: string, concurrency: number, total: number): Promise<void> {
  const log = await openLog(dir, `c${concurrency}`);
  const entry = randomBytes(200);
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const s = performance.now();
        await log.append(entry);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await log.close();
  lat.sort((a, b) => a - b);
  console.log(
    `ledger append  concurrency=${String(concurrency).padEnd(5)} ${fmt(total / secs).padStart(9)} appends/s  p50 ${pct(lat, 50).toFixed(2)} ms  p99 ${pct(lat, 99).toFixed(2)} ms  (${fmt(total)} entries, 200 B, durable)`,
  );
}

async function proofs(dir: string): Promise<void> {
  const log = await openLog(dir, 'proofs');
  const n = 1_000_000;
  const t0 = performance.now();
  const entry = randomBytes(200);
  for (let i = 0; i < n; i += 65536) {
    const group = Array.from({ length: Math.min(65536, n - i) }, (_, j) => {
      const e = Buffer.from(entry);
      e.writeUInt32BE(i + j);
      return e;
    });
    await log.appendMany(group);
  }
  await log.published(n - 1);
  const build = (performance.now() - t0) / 1000;
  console.log(`ledger bulk    ${fmt(n / build).padStart(9)} appends/s  (1M entries in groups of 65,536)`);
  for (let i = 0; i < 2000; i++) await log.proveInclusion(Math.floor(Math.random() * n)); // warm
  const t1 = performance.now();
  let count = 0;
  while (performance.now() - t1 < 2000) {
    await Promise.all(Array.from({ length: 64 }, () => log.proveInclusion(Math.floor(Math.random() * n))));
    count += 64;
  }
  console.log(
    `ledger proofs  ${fmt(count / ((performance.now() - t1) / 1000)).padStart(9)} inclusion proofs/s from a warm 1M-entry log`,
  );
  await log.close();
}

/** Resident memory with 10,000 open idle logs, measured in a fresh process (bench/idle-logs.ts). */
async function idleLogs(dir: string): Promise<void> {
  const script = fileURLToPath(new URL('./idle-logs.js', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', script, join(dir, 'idle'), '10000'], {
    encoding: 'utf8',
  });
  process.stdout.write(out);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-bench-'));
  try {
    await appends(dir, 1, 2_000);
    await appends(dir, 64, 100_000);
    await appends(dir, 1024, 400_000);
    await proofs(dir);
    await idleLogs(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
