/**
 * HTTP benchmarks against `vellum serve` in a child process (embedded
 * mode: SQLite + files), driven by autocannon from this process:
 * - single-entry durable appends with 256 connections, side by side with a
 *   bare Fastify hello-world route (also a child process) in the same run;
 * - bulk appends (entry bundles of 1,000 entries);
 * - checkpoint and tile GETs.
 * Prints numbers; asserts nothing. Both servers share the 2-core machine
 * with the load generator, so read the ratio more than the absolutes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { VellumClient } from '../src/client/index.js';
import { encodeBundle } from '../src/tlog/bundle.js';
import { serveArgs } from './serve-command.js';

const hello = fileURLToPath(new URL('./hello-server.js', import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function load(o: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ duration: 8, ...o });
}

function line(what: string, r: autocannon.Result, unit = 'req/s'): string {
  const non2xx = r.non2xx ? `, ${fmt(r.non2xx)} non-2xx` : '';
  return `${what.padEnd(44)} ${fmt(r.requests.average).padStart(9)} ${unit}  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms${non2xx}${r.errors ? `, ${r.errors} errors` : ''}`;
}

export async function run(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'vellum-http-bench-'));
  const token = `vk_${'0123456789abcdef'}_${'B'.repeat(43)}`;
  const servers: ChildProcess[] = [];
  try {
    const h = await start([hello], {}, /listening on (http:\/\/\S+)/);
    servers.push(h.child);
    const v = await start(
      serveArgs(['--data', data, '--port', '0']),
      { VELLUM_ADMIN_TOKEN: token, VELLUM_RATE_LIMIT: 'off', VELLUM_LOG_LEVEL: 'warn' },
      /Vellum listening on (http:\/\/\S+)/,
    );
    servers.push(v.child);
    const platform = new VellumClient({ url: v.url, token });
    await platform.createTenant('bench');
    const admin = new VellumClient({
      url: v.url,
      token: (await platform.createKey('bench', 'tenant-admin', 'bench')).token,
    });
    const writer = (await admin.createKey('bench', 'writer', 'bench')).token;
    const reader = (await admin.createKey('bench', 'reader', 'bench')).token;
    await admin.createLog('bench', 'load');

    const helloResult = await load({ url: `${h.url}/`, connections: 256 });
    const entry = Buffer.alloc(200, 'x');
    const appendResult = await load({
      url: `${v.url}/v1/logs/bench/load/entries`,
      connections: 256,
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/octet-stream' },
      body: entry,
    });
    console.log(line('http hello-world (bare Fastify), 256 conns', helloResult));
    console.log(line('http append 1 entry durable, 256 conns', appendResult));
    console.log(
      `http append / hello-world ratio                ${(appendResult.requests.average / helloResult.requests.average).toFixed(2)}`,
    );

    const bundle = encodeBundle(Array.from({ length: 1000 }, () => entry));
    const bulk = await load({
      url: `${v.url}/v1/logs/bench/load/entries`,
      connections: 8,
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/vnd.vellum.entry-bundle' },
      body: Buffer.from(bundle),
    });
    console.log(line('http bulk append (bundles of 1,000), 8 conns', bulk));
    console.log(
      `http bulk append entries/s                     ${fmt(bulk.requests.average * 1000).padStart(9)} entries/s`,
    );

    const auth = { authorization: `Bearer ${reader}` };
    console.log(
      line(
        'http GET checkpoint, 64 conns',
        await load({ url: `${v.url}/logs/bench/load/checkpoint`, connections: 64, headers: auth }),
      ),
    );
    console.log(
      line(
        'http GET full hash tile, 64 conns',
        await load({ url: `${v.url}/logs/bench/load/tile/0/000`, connections: 64, headers: auth }),
      ),
    );
    console.log(
      line(
        'http GET full entry bundle (gzip), 64 conns',
        await load({ url: `${v.url}/logs/bench/load/tile/entries/000`, connections: 64, headers: auth }),
      ),
    );
  } finally {
    for (const s of servers) s.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(data, { recursive: true, force: true });
  }
}
