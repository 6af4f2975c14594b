#!/usr/bin/env node
// The package's "install" script: builds the optional SHA-256 addon in
// native/ with node-gyp, then prints one line saying which SHA-256 Vellum
// will use. It never fails the install: when the addon cannot be built or
// does not load (no compiler, no headers, an odd node), Vellum runs on
// node:crypto with the same results, only slower.
// VELLUM_NATIVE=0 skips the build (and removes an earlier one).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'vellum_sha256.node');
const logPath = join(nativeDir, 'build', 'build-native.log');
const TIMEOUT_MS = 180_000;

function say(line) {
  console.log(`vellum: ${line}`);
}

/**
 * How to run node-gyp: [command, ...args], or undefined. The node-gyp npm
 * itself runs install scripts with (npm_config_node_gyp), else npm's bundled
 * copy; never one fetched from the registry.
 */
function nodeGyp() {
  const runnable = (c) => (c.endsWith('.js') ? [process.execPath, c] : [c]);
  const env = process.env.npm_config_node_gyp;
  if (env && existsSync(env)) return runnable(env);
  const inNpm = (npmDir) => join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const near = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'), // unix layout
    join(dirname(process.execPath), 'node_modules', 'npm'), // windows layout
  ].map(inNpm);
  for (const c of near) if (existsSync(c)) return runnable(c);
  try {
    const prefix = execFileSync('npm', ['prefix', '-g'], {
      encoding: 'utf8',
      timeout: 20_000,
      shell: process.platform === 'win32',
    }).trim();
    for (const c of [join(prefix, 'lib', 'node_modules', 'npm'), join(prefix, 'node_modules', 'npm')].map(
      inNpm,
    )) {
      if (existsSync(c)) return runnable(c);
    }
  } catch {}
  const probe = spawnSync('npx', ['--no-install', 'node-gyp', '--version'], {
    encoding: 'utf8',
    timeout: 20_000,
    shell: process.platform === 'win32',
  });
  if (probe.status === 0) return ['npx', '--no-install', 'node-gyp'];
  return undefined;
}

/** node-gyp's --nodedir when node's own headers are installed beside it (so node-gyp downloads nothing). */
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** Loads the built addon in a fresh node and checks it against node:crypto, as crypto-node.ts does. */
function addonWorks() {
  const check = `
    const { createHash } = require('node:crypto');
    const a = require(${JSON.stringify(addonPath)});
    const h = (...parts) => { const x = createHash('sha256'); for (const p of parts) x.update(p); return x.digest(); };
    const leaf = new Uint8Array(32), root = new Uint8Array(32), plain = new Uint8Array(32);
    const two = new Uint8Array(64).fill(7);
    a.leafHashes(new Uint8Array([9, 0, 1, 2, 9]), new Float64Array([1, 3]), 1, leaf);
    a.merkleRoot(two, 0, 2, root);
    a.sha256(new Uint8Array([0, 1, 2]), plain);
    const ok = Buffer.from(leaf).equals(h(Buffer.from([0, 0, 1, 2])))
      && Buffer.from(root).equals(h(Buffer.from([1]), two))
      && Buffer.from(plain).equals(h(Buffer.from([0, 1, 2])));
    process.exit(ok ? 0 : 3);`;
  const r = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return undefined;
  if (r.status === 3) return 'wrong hashes';
  return r.stderr?.match(/^\w*Error: .*$/m)?.[0] ?? `exit ${r.status ?? r.signal}`;
}

function fallback(why) {
  rmSync(addonPath, { force: true });
  say(`SHA-256 via node:crypto (native addon not used: ${why})`);
}

function main() {
  if (process.env.VELLUM_NATIVE === '0') return fallback('VELLUM_NATIVE=0');
  const gyp = nodeGyp();
  if (!gyp) return fallback('node-gyp not found');
  const [cmd, ...pre] = gyp;
  const r = spawnSync(cmd, [...pre, 'rebuild', ...nodeDirArgs()], {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    shell: process.platform === 'win32' && cmd === 'npx',
    env: { ...process.env, npm_config_loglevel: 'warn' },
  });
  try {
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}\n` : ''}`);
  } catch {}
  if (r.error || r.status !== 0) {
    const reason = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
    return fallback(`build failed, ${reason}; see ${logPath}`);
  }
  if (!existsSync(addonPath)) return fallback(`build produced no ${addonPath}`);
  const broken = addonWorks();
  if (broken) return fallback(`built but does not load or hash right: ${broken}`);
  say(
    `SHA-256 via the native addon (native/build/Release/vellum_sha256.node, node's OpenSSL ${process.versions.openssl})`,
  );
}

try {
  main();
} catch (e) {
  try {
    fallback(`build script error: ${e instanceof Error ? e.message : String(e)}`);
  } catch {
    console.log('vellum: SHA-256 via node:crypto (native addon not used)');
  }
}
process.exitCode = 0;
