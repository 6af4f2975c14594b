/**
 * Byte-for-byte conformance of tiles and entry bundles with mklog, the Go
 * reference (golang.org/x/mod/sumdb/tlog) in ../shared/tools/tlog-audit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeBundle } from '../../src/tlog/bundle.js';
import { leafHash } from '../../src/tlog/hash.js';
import { ENTRIES, tilePath } from '../../src/tlog/tile.js';
import { TileBuilder } from '../../src/tlog/tile-builder.js';
import { readTree } from '../helpers/files.js';
import { toolOrSkip } from '../helpers/reference-tools.js';
import { entryBytes } from '../helpers/trees.js';

/** The tiles and bundles Vellum publishes for entries 0..n-1 with checkpoints at `steps`. */
function vellumTiles(n: number, steps: number[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const builder = new TileBuilder();
  const entries: Uint8Array[] = [];
  for (const size of [...steps, n]) {
    while (entries.length < size) {
      const e = entryBytes(entries.length);
      entries.push(e);
      builder.append(leafHash(e));
    }
    for (const { tile, data } of builder.flush()) {
      files.set(tilePath(tile), data);
      if (tile.level === 0) {
        const start = tile.index * 256;
        files.set(
          tilePath({ ...tile, level: ENTRIES }),
          encodeBundle(entries.slice(start, start + tile.width)),
        );
      }
    }
  }
  return files;
}

const cases: [number, number[]][] = [
  [1, []],
  [255, []],
  [256, []],
  [257, [3, 100]],
  [1000, [300, 700]],
  [70000, [1, 256, 65535, 65536, 65537]],
];

describe('tiles and bundles equal mklog byte for byte', () => {
  for (const [n, steps] of cases) {
    it(`n=${n} steps=${steps.join(',') || '-'}`, (t) => {
      const mklog = toolOrSkip(t, 'mklog');
      if (!mklog) return;
      const dir = mkdtempSync(join(tmpdir(), 'vellum-mklog-'));
      try {
        const [skey] = execFileSync(mklog, ['-genkey', 'example.com/conformance'], {
          encoding: 'utf8',
        }).split('\n');
        const args = ['-dir', dir, '-skey', skey!, '-n', String(n)];
        if (steps.length) args.push('-steps', steps.join(','));
        execFileSync(mklog, args);
        const want = readTree(dir);
        want.delete('checkpoint');
        const got = vellumTiles(n, steps);
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
        for (const [p, bytes] of want) assert.ok(Buffer.from(got.get(p)!).equals(bytes), `${p} differs`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
