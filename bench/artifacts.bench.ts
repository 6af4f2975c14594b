/**
 * A 1 GiB file uploaded to and downloaded from `vellum serve` (child
 * process, filesystem backend) through the API, side by side with
 * `cat file | sha256sum` on the same machine, and the server's peak
 * resident memory (VmHWM). Prints numbers; asserts nothing.
 */
import { execSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ArtifactClient } from '../src/client/artifacts.js';
import { VellumClient } from '../src/client/index.js';

const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SIZE = 1024 * 2 ** 20;
const mbs = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;

function peakRss(pid: number): string {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : '?';
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-art-bench-'));
  const data = join(dir, 'data');
  const file = join(dir, 'big.bin');
  const fd = openSync(file, 'w');
  for (let i = 0; i < SIZE / 2 ** 24; i++) writeSync(fd, randomBytes(2 ** 24));
  closeSync(fd);
  const token = `vk_${'0123456789abcdef'}_${'D'.repeat(43)}`;
  const child = spawn(process.execPath, [main, 'serve', '--data', data, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VELLUM_ADMIN_TOKEN: token, VELLUM_RATE_LIMIT: 'off', VELLUM_LOG_LEVEL: 'warn' },
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
    const platform = new VellumClient({ url, token });
    await platform.createTenant('bench');
    const admin = new VellumClient({
      url,
      token: (await platform.createKey('bench', 'tenant-admin', 'b')).token,
    });
    const art = new ArtifactClient(admin);

    let t = performance.now();
    execSync(`cat ${file} | sha256sum`, { stdio: 'ignore' });
    const baseline = performance.now() - t;
    console.log(
      `  cat file | sha256sum (1 GiB)                          ${mbs(SIZE, baseline).padStart(12)}`,
    );

    const { package: pkg } = await art.createPackage('bench', {
      name: 'big',
      producer: 'bench',
      subject: 'bench',
      retentionClass: 'transient',
    });
    const id = String((pkg as { id: string }).id);
    t = performance.now();
    await art.uploadFile('bench', id, { file, path: 'spooled.bin' });
    const spoolMs = performance.now() - t;
    console.log(
      `  API upload, digest not declared (spooled, then copied) ${mbs(SIZE, spoolMs).padStart(10)}  ${(baseline / spoolMs).toFixed(2)}x sha256sum  server peak RSS ${peakRss(child.pid!)}`,
    );
    // The same bytes under another digest-declared path would deduplicate: use fresh bytes.
    const f2 = openSync(file, 'r+');
    writeSync(f2, randomBytes(64), 0, 64, 0);
    closeSync(f2);
    t = performance.now();
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    const up = await art.uploadFile('bench', id, { file, path: 'big.bin', sha256 });
    const upMs = performance.now() - t;
    console.log(
      `  API upload, digest declared (client hashes first)    ${mbs(SIZE, upMs).padStart(12)}  ${(baseline / upMs).toFixed(2)}x sha256sum  server peak RSS ${peakRss(child.pid!)}`,
    );
    t = performance.now();
    const sink = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    const down = await art.download('bench', String((up.file as { id: string }).id), sink);
    const downMs = performance.now() - t;
    console.log(
      `  API download (stream, verify digest)                 ${mbs(down.bytes, downMs).padStart(12)}  ${(baseline / downMs).toFixed(2)}x sha256sum  server peak RSS ${peakRss(child.pid!)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
