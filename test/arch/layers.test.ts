/**
 * Keeps DESIGN.md's layering honest: imports point down only, drivers are
 * imported only by the composition root, and `src/tlog` is pure (no I/O,
 * no clock), so it runs unchanged in a browser and in an offline verifier.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/reference-tools.js';

const SRC = join(repoRoot, 'src');

/** Rank of each top-level folder of src/: a module may import only from lower ranks (or its own folder). */
const RANK: Record<string, number> = {
  tlog: 0,
  storage: 1,
  ledger: 2,
  domain: 3,
  anchor: 4,
  client: 4,
  http: 5,
  jobs: 5,
  web: 5,
  cli: 6,
  'index.ts': 7,
};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = walk(SRC);
const importsOf = (file: string) =>
  [
    ...readFileSync(file, 'utf8').matchAll(
      /^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s*\(?\s*['"]([^'"]+)['"]/gm,
    ),
  ].map((m) => (m[1] ?? m[2])!);
const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

describe('layering', () => {
  it('finds the source tree', () => {
    assert.ok(files.length > 5);
    for (const f of files) assert.ok(layerOf(f) in RANK, `${relative(repoRoot, f)} is in no known layer`);
  });

  it('imports point down only', () => {
    const violations: string[] = [];
    for (const f of files) {
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        const from = layerOf(f);
        const to = layerOf(target);
        if (from !== to && !(RANK[to]! < RANK[from]!))
          violations.push(`${relative(SRC, f)} -> ${relative(SRC, target)}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('only the composition roots (cli, client) import storage drivers', () => {
    const violations: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      // The CLI is the server's composition root; the client SDK is its own (in its user's process).
      if (from === 'cli' || from === 'client' || from === 'storage') continue;
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(f), spec));
        // Ports live at src/storage/*.ts; drivers live in subfolders src/storage/<driver>/.
        if (target.startsWith('storage/') && target.split('/').length > 2)
          violations.push(`${relative(SRC, f)} -> ${target}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('src/tlog does no I/O and reads no clock', () => {
    const allowed: Record<string, string[]> = {
      'tlog/crypto-node.ts': ['node:crypto', 'node:module'],
      'tlog/crypto-web.ts': ['@noble/curves/ed25519.js', '@noble/hashes/sha2.js'],
    };
    const violations: string[] = [];
    for (const f of files.filter((x) => layerOf(x) === 'tlog')) {
      const rel = relative(SRC, f);
      for (const spec of importsOf(f)) {
        if (spec.startsWith('./') || spec === '#crypto') continue;
        if (!(allowed[rel] ?? []).includes(spec)) violations.push(`${rel} imports ${spec}`);
      }
      const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const clock of [
        'Date',
        'performance',
        'process',
        'setTimeout',
        'setInterval',
        'Math.random',
        'require(',
      ]) {
        if (new RegExp(`\\b${clock.replace(/[.(]/g, '\\$&')}`).test(text))
          violations.push(`${rel} uses ${clock}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the checker itself catches a bad import', () => {
    const fake = `import { x } from '../ledger/y.js';\nimport { readFileSync } from 'node:fs';`;
    const m = [...fake.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((x) => x[1]);
    assert.deepEqual(m, ['../ledger/y.js', 'node:fs']);
  });
});
