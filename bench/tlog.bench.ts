/**
 * Hashing speed of the log core, and `vellum verify` of a 1M-entry log
 * side by side with the Go reference `tlog-audit` on the same log.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeBundle, encodeBundle } from '../src/tlog/bundle.js';
import {
  bytesEqual,
  HASH_SIZE,
  hashImplementation,
  leafHash,
  leafHashes,
  merkleRoot,
  nodeHash,
  sha256,
} from '../src/tlog/hash.js';
import { TILE_WIDTH } from '../src/tlog/tile.js';
import { TileBuilder } from '../src/tlog/tile-builder.js';
import { referenceTool, repoRoot } from '../test/helpers/reference-tools.js';
import { now, rate, result, seconds, since } from './run.js';

const TREE_SIZE = 1_000_000;
const ROUNDS = 3;
/** In-process measurements are cheap: more rounds, less noise. */
const HASH_ROUNDS = 5;

interface Sha {
  sha256(data: Uint8Array): Uint8Array;
  leafHashes(entries: readonly Uint8Array[], out: Uint8Array): void;
  merkleRoot(hashes: Uint8Array, offset: number, count: number): Uint8Array;
  implementation: string;
}

/** Entries as mklog writes them ("entry %d\n"), in bundles of 256, each entry a view of its bundle as in an audit. */
function makeBundles(n: number): Uint8Array[][] {
  const text = new TextEncoder();
  const out: Uint8Array[][] = [];
  for (let start = 0; start < n; start += TILE_WIDTH) {
    const entries: Uint8Array[] = [];
    for (let i = start; i < Math.min(n, start + TILE_WIDTH); i++) entries.push(text.encode(`entry ${i}\n`));
    out.push(decodeBundle(encodeBundle(entries)));
  }
  return out;
}

/** Best of HASH_ROUNDS: seconds for one call of `fn`. */
function best(fn: () => void): number {
  let min = Infinity;
  for (let r = 0; r < HASH_ROUNDS; r++) {
    const t = now();
    fn();
    min = Math.min(min, since(t));
  }
  return min;
}

/** The node:crypto path of crypto-node.js, loaded from a copy where the addon's relative path does not exist. */
async function nodeCryptoPath(): Promise<{ sha: Sha; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-bench-'));
  const copy = join(dir, 'crypto-node.mjs');
  copyFileSync(join(repoRoot, 'dist/src/tlog/crypto-node.js'), copy);
  const sha = (await import(pathToFileURL(copy).href)) as Sha;
  return { sha, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function hashRates(label: string, sha: Sha, bundles: Uint8Array[][]): void {
  const entries = bundles.flat();
  const n = entries.length;
  // Single-call path: one SHA-256 call per hash, as leafHash and nodeHash do.
  const scratch = new Uint8Array(1 + 2 * HASH_SIZE + 256);
  const single = sha.implementation === hashImplementation;
  const leaf = single
    ? leafHash
    : (e: Uint8Array) => {
        scratch[0] = 0;
        scratch.set(e, 1);
        return sha.sha256(scratch.subarray(0, e.length + 1));
      };
  const node = single
    ? nodeHash
    : (l: Uint8Array, r: Uint8Array) => {
        scratch[0] = 1;
        scratch.set(l, 1);
        scratch.set(r, 1 + HASH_SIZE);
        return sha.sha256(scratch.subarray(0, 1 + 2 * HASH_SIZE));
      };
  let t = best(() => {
    for (const e of entries) leaf(e);
  });
  result(`leaf hashes, single call (${label})`, rate(n, t, 'H'));
  const out = new Uint8Array(TILE_WIDTH * HASH_SIZE);
  t = best(() => {
    for (const b of bundles) sha.leafHashes(b, out);
  });
  result(`leaf hashes, batch of 256 (${label})`, rate(n, t, 'H'));

  const tiles = 1024;
  const data = new Uint8Array(TILE_WIDTH * HASH_SIZE);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) % 251;
  const a = data.subarray(0, HASH_SIZE);
  const b = data.subarray(HASH_SIZE, 2 * HASH_SIZE);
  const nodes = tiles * (TILE_WIDTH - 1);
  t = best(() => {
    for (let i = 0; i < nodes; i++) node(a, b);
  });
  result(`node hashes, single call (${label})`, rate(nodes, t, 'H'));
  t = best(() => {
    for (let i = 0; i < tiles; i++) sha.merkleRoot(data, 0, TILE_WIDTH);
  });
  result(`node hashes, tile root of 256 (${label})`, rate(nodes, t, 'H'));
}

function treeHashing(bundles: Uint8Array[][]): void {
  const n = bundles.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(TILE_WIDTH * HASH_SIZE);
  let batchRoot: Uint8Array = new Uint8Array(0);
  let t = best(() => {
    const builder = new TileBuilder();
    for (const b of bundles) {
      leafHashes(b, out);
      builder.appendMany(out.subarray(0, b.length * HASH_SIZE));
      builder.takeCompleted();
    }
    batchRoot = builder.root();
  });
  result(`tree of ${n} entries, batch (leafHashes+appendMany)`, seconds(t), rate(n, t, ' entries'));
  let singleRoot: Uint8Array = new Uint8Array(0);
  t = best(() => {
    const builder = new TileBuilder();
    for (const b of bundles) {
      for (const e of b) builder.append(leafHash(e));
      builder.takeCompleted();
    }
    singleRoot = builder.root();
  });
  result(`tree of ${n} entries, one at a time (leafHash+append)`, seconds(t), rate(n, t, ' entries'));
  if (!bytesEqual(batchRoot, singleRoot)) throw new Error('batch and one-at-a-time tree hashing disagree');
}

/** Best wall time of ROUNDS runs of a command, which must print a line starting with OK. */
function bestWall(cmd: string, args: string[]): { seconds: number } | { error: string } {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = now();
    const p = spawnSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    });
    const s = since(t);
    if (p.status !== 0 || !/^OK /m.test(p.stdout)) {
      return { error: `exit ${p.status ?? p.signal}: ${(p.stdout + p.stderr).trim().split('\n')[0] ?? ''}` };
    }
    min = Math.min(min, s);
  }
  return { seconds: min };
}

function verifyVersusGo(): void {
  const label = `verify ${TREE_SIZE} entries`;
  const mklog = referenceTool('mklog');
  const audit = referenceTool('tlog-audit');
  if (!mklog || !audit) {
    const missing = [mklog ? '' : 'mklog', audit ? '' : 'tlog-audit'].filter(Boolean).join(' and ');
    result(
      label,
      'skipped',
      `${missing} not found (TLOG_TOOLS, .cache/tlog-tools, /tmp/tlog-tools; scripts/reference-tools.sh builds them)`,
    );
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vellum-bench-log-'));
  try {
    const [skey, vkey] = execFileSync(mklog, ['-genkey', 'bench.example/log'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const t = now();
    execFileSync(mklog, ['-dir', dir, '-skey', skey!, '-n', String(TREE_SIZE)]);
    result(`mklog: write a ${TREE_SIZE}-entry log`, seconds(since(t)), `(setup, once)`);
    const vellum = bestWall(process.execPath, [
      join(repoRoot, 'dist/src/cli/main.js'),
      'verify',
      dir,
      '--vkey',
      vkey!,
    ]);
    const go = bestWall(audit, ['-log', dir, '-vkey', vkey!]);
    if ('error' in vellum) result(`vellum ${label}`, 'failed', vellum.error);
    else
      result(
        `vellum ${label} (best of ${ROUNDS})`,
        seconds(vellum.seconds),
        rate(TREE_SIZE, vellum.seconds, ' entries'),
      );
    if ('error' in go) result(`tlog-audit ${label}`, 'failed', go.error);
    else
      result(
        `tlog-audit ${label} (best of ${ROUNDS})`,
        seconds(go.seconds),
        rate(TREE_SIZE, go.seconds, ' entries'),
      );
    if ('seconds' in vellum && 'seconds' in go) {
      result(
        'ratio vellum / tlog-audit',
        (vellum.seconds / go.seconds).toFixed(2),
        '(at most 1.00 is the goal)',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  result('SHA-256 implementation', hashImplementation);
  const bundles = makeBundles(TREE_SIZE);
  const active: Sha = { sha256, leafHashes, merkleRoot, implementation: hashImplementation };
  hashRates(hashImplementation, active, bundles.slice(0, 1024));
  if (hashImplementation === 'node-native') {
    const { sha, cleanup } = await nodeCryptoPath();
    try {
      hashRates(`${sha.implementation}, without the addon`, sha, bundles.slice(0, 1024));
    } finally {
      cleanup();
    }
  }
  treeHashing(bundles);
  verifyVersusGo();
}
