/**
 * The batch hashing of `#crypto` (`leafHashes`, `merkleRoot`): the same
 * bytes as one `leafHash` per entry and RFC 6962 folding with `nodeHash`,
 * in every implementation: the native addon, node:crypto without it, and
 * @noble for browsers. Also `TileBuilder.appendMany` against `append`.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { decodeBundle, encodeBundle } from '../../src/tlog/bundle.js';
import * as node from '../../src/tlog/crypto-node.js';
import * as web from '../../src/tlog/crypto-web.js';
import { TlogError } from '../../src/tlog/errors.js';
import {
  HASH_SIZE,
  hashImplementation,
  leafHash,
  leafHashes,
  merkleRoot,
  nodeHash,
} from '../../src/tlog/hash.js';
import { hashRun } from '../../src/tlog/merkle.js';
import { splitPoint } from '../../src/tlog/numbers.js';
import { TileBuilder, type TileData } from '../../src/tlog/tile-builder.js';
import { repoRoot } from '../helpers/reference-tools.js';

type Impl = Pick<typeof node, 'implementation' | 'sha256' | 'leafHashes' | 'merkleRoot'>;

const ADDON = join(repoRoot, 'native/build/Release/vellum_sha256.node');

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** RFC 6962 §2.1 MTH by its definition, from leaf hashes, with nodeHash. */
function mth(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 1) return hashes[0]!;
  const k = splitPoint(hashes.length);
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

function split(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += HASH_SIZE) out.push(data.subarray(i, i + HASH_SIZE));
  return out;
}

/** Entries as views of one bundle (as an audit decodes them), or as separate arrays. */
const entriesArb = fc
  .tuple(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 300 }), fc.boolean())
  .map(([entries, bundled]) =>
    bundled && entries.length > 0 ? decodeBundle(encodeBundle(entries)) : entries,
  );

/** count hashes at hash offset of a buffer of offset + count + slack hashes, itself a view at a byte offset. */
const runArb = fc
  .record({
    count: fc.integer({ min: 1, max: 600 }),
    offset: fc.integer({ min: 0, max: 40 }),
    slack: fc.integer({ min: 0, max: 3 }),
    shift: fc.integer({ min: 0, max: 31 }),
    seed: fc.integer(),
  })
  .map(({ count, offset, slack, shift, seed }) => {
    const backing = new Uint8Array(shift + (offset + count + slack) * HASH_SIZE);
    let x = seed >>> 0;
    for (let i = 0; i < backing.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      backing[i] = x >>> 24;
    }
    return { data: backing.subarray(shift), offset, count };
  });

function checkAgainstSingleCalls(impl: Impl): void {
  fc.assert(
    fc.property(entriesArb, (entries) => {
      const out = new Uint8Array(entries.length * HASH_SIZE + 7).fill(0xee);
      impl.leafHashes(entries, out);
      entries.forEach((e, i) => {
        assert.equal(hex(out.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)), hex(leafHash(e)));
      });
      assert.deepEqual(
        [...out.subarray(entries.length * HASH_SIZE)],
        [0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee],
      );
    }),
    { numRuns: 150 },
  );
  fc.assert(
    fc.property(runArb, ({ data, offset, count }) => {
      const before = hex(data);
      const want = mth(split(data.subarray(offset * HASH_SIZE, (offset + count) * HASH_SIZE)));
      const got = impl.merkleRoot(data, offset, count);
      assert.equal(got.length, HASH_SIZE);
      assert.equal(hex(got), hex(want));
      assert.equal(hex(data), before, 'merkleRoot must not write its input');
    }),
    { numRuns: 150 },
  );
}

function checkBadArguments(impl: Impl): void {
  const four = new Uint8Array(4 * HASH_SIZE);
  assert.throws(
    () => impl.leafHashes([new Uint8Array(1), new Uint8Array(2)], new Uint8Array(63)),
    RangeError,
  );
  assert.throws(() => impl.merkleRoot(four, 0, 0), RangeError);
  assert.throws(() => impl.merkleRoot(four, 0, 5), RangeError);
  assert.throws(() => impl.merkleRoot(four, 3, 2), RangeError);
  assert.throws(() => impl.merkleRoot(four, -1, 2), RangeError);
  assert.throws(() => impl.merkleRoot(four, 0.5, 2), RangeError);
  assert.throws(() => impl.merkleRoot(four.subarray(1), 0, 4), RangeError);
  // A single hash is returned as a copy, not a view.
  const one = impl.merkleRoot(four, 2, 1);
  one[0] = 1;
  assert.equal(four[2 * HASH_SIZE], 0);
}

describe('batch hashing', () => {
  let fallback: Impl | undefined;
  let tmp: string | undefined;

  before(async () => {
    // crypto-node.js away from its place finds no addon: its node:crypto path.
    tmp = mkdtempSync(join(tmpdir(), 'vellum-crypto-'));
    const copy = join(tmp, 'crypto-node.mjs');
    copyFileSync(join(repoRoot, 'dist/src/tlog/crypto-node.js'), copy);
    fallback = (await import(pathToFileURL(copy).href)) as Impl;
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('hash.ts exposes the #crypto implementation in use', () => {
    assert.equal(hashImplementation, node.implementation);
    assert.ok(['node', 'node-native'].includes(node.implementation), node.implementation);
    assert.equal(fallback!.implementation, 'node');
    assert.equal(web.implementation, 'web');
  });

  for (const [name, get] of [
    ['#crypto as loaded', (): Impl => node],
    ['node:crypto without the addon', (): Impl => fallback!],
    ['@noble (browsers)', (): Impl => web],
  ] as const) {
    it(`${name}: leafHashes and merkleRoot equal leafHash and nodeHash folding`, () =>
      checkAgainstSingleCalls(get()));
    it(`${name}: bad arguments throw RangeError`, () => checkBadArguments(get()));
  }

  it('the exported batch functions are those of #crypto', () => {
    const entries = [new Uint8Array([1, 2, 3]), new Uint8Array(0)];
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    leafHashes(entries, a);
    node.leafHashes(entries, b);
    assert.equal(hex(a), hex(b));
    assert.equal(hex(merkleRoot(a, 0, 2)), hex(nodeHash(leafHash(entries[0]!), leafHash(entries[1]!))));
  });

  it('known answers: the empty entry and the RFC 6962 empty-leaf tree', () => {
    const out = new Uint8Array(HASH_SIZE);
    for (const impl of [node, fallback!, web]) {
      impl.leafHashes([new Uint8Array(0)], out);
      assert.equal(
        hex(out),
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
        impl.implementation,
      );
    }
  });

  it('native addon and node:crypto give identical bytes for random inputs', (t) => {
    if (node.implementation !== 'node-native') {
      const msg = `native addon not built or not loadable (${ADDON}${existsSync(ADDON) ? ' exists but did not load' : ' is missing'}): run npm ci or node scripts/build-native.mjs`;
      console.log(`# SKIP ${msg}`);
      t.skip(msg);
      return;
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        assert.equal(hex(node.sha256(data)), hex(fallback!.sha256(data)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const a = new Uint8Array(entries.length * HASH_SIZE);
        const b = new Uint8Array(entries.length * HASH_SIZE);
        node.leafHashes(entries, a);
        fallback!.leafHashes(entries, b);
        assert.equal(hex(a), hex(b));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(runArb, ({ data, offset, count }) => {
        assert.equal(
          hex(node.merkleRoot(data, offset, count)),
          hex(fallback!.merkleRoot(data, offset, count)),
        );
      }),
      { numRuns: 200 },
    );
    // Entries up to the largest a bundle holds.
    const big = [new Uint8Array(65535).fill(0xab), new Uint8Array(1000).fill(1), new Uint8Array(0)];
    const a = new Uint8Array(3 * HASH_SIZE);
    const b = new Uint8Array(3 * HASH_SIZE);
    node.leafHashes(decodeBundle(encodeBundle(big)), a);
    fallback!.leafHashes(big, b);
    assert.equal(hex(a), hex(b));
  });

  it('the native addon checks its arguments instead of reading out of bounds', (t) => {
    if (!existsSync(ADDON)) {
      const msg = `native addon not built (${ADDON} is missing)`;
      console.log(`# SKIP ${msg}`);
      t.skip(msg);
      return;
    }
    const addon = createRequire(import.meta.url)(ADDON) as {
      sha256(d: unknown, o: unknown): void;
      leafHashes(d: unknown, s: unknown, c: unknown, o: unknown): void;
      merkleRoot(h: unknown, off: unknown, c: unknown, o: unknown): void;
    };
    const data = new Uint8Array(10);
    const out = new Uint8Array(64);
    assert.throws(() => addon.leafHashes(data, new Float64Array([5, 6]), 1, out), RangeError);
    assert.throws(() => addon.leafHashes(data, new Float64Array([-1, 2]), 1, out), RangeError);
    assert.throws(() => addon.leafHashes(data, new Float64Array([0.5, 2]), 1, out), RangeError);
    assert.throws(() => addon.leafHashes(data, new Float64Array([0, 2]), 2, out), RangeError);
    assert.throws(() => addon.leafHashes(data, new Float64Array([0, 2, 0, 2, 0, 2]), 3, out), RangeError);
    assert.throws(() => addon.leafHashes(data, new Uint32Array([0, 2]), 1, out), TypeError);
    assert.throws(() => addon.leafHashes([1, 2], new Float64Array([0, 2]), 1, out), TypeError);
    assert.throws(() => addon.merkleRoot(out, 0, 3, out), RangeError);
    assert.throws(() => addon.merkleRoot(out, 2, 1, out), RangeError);
    assert.throws(() => addon.merkleRoot(out, 0, 1, new Uint8Array(31)), RangeError);
    assert.throws(() => addon.sha256('abc', out), TypeError);
    assert.throws(() => addon.sha256(data, new Uint8Array(8)), RangeError);
  });

  it('hashRun reports bad runs as TlogError', () => {
    const four = new Uint8Array(4 * HASH_SIZE);
    assert.throws(() => hashRun(four, 0, 0), TlogError);
    assert.throws(() => hashRun(four, 3, 2), TlogError);
    assert.throws(() => hashRun(four, -1, 1), TlogError);
    assert.equal(hex(hashRun(four, 1, 2)), hex(nodeHash(four.subarray(0, 32), four.subarray(0, 32))));
  });
});

describe('TileBuilder.appendMany', () => {
  const leaves = (from: number, to: number): Uint8Array => {
    const out = new Uint8Array((to - from) * HASH_SIZE);
    for (let i = from; i < to; i++)
      out.set(leafHash(new TextEncoder().encode(`entry ${i}\n`)), (i - from) * HASH_SIZE);
    return out;
  };
  const show = (tiles: TileData[]) =>
    tiles.map((t) => `${t.tile.level}/${t.tile.index}/${t.tile.width}:${hex(t.data)}`);

  it('publishes the same tiles, partials and roots as append, in any batch sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const one = new TileBuilder();
        const many = new TileBuilder();
        let size = 0;
        for (const n of batches) {
          const hashes = leaves(size, size + n);
          for (const h of split(hashes)) one.append(h);
          many.appendMany(hashes);
          size += n;
          assert.equal(many.size, one.size);
          assert.deepEqual(show(many.flush()), show(one.flush()));
          assert.deepEqual(show(many.partials()), show(one.partials()));
          assert.equal(hex(many.root()), hex(one.root()));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('crosses level-0 and level-1 tile boundaries like append', () => {
    const one = new TileBuilder();
    const many = new TileBuilder();
    const n = 256 * 256 + 300;
    const hashes = leaves(0, n);
    for (const h of split(hashes)) one.append(h);
    for (let at = 0; at < n; at += 1000)
      many.appendMany(hashes.subarray(at * HASH_SIZE, Math.min(n, at + 1000) * HASH_SIZE));
    assert.deepEqual(show(many.takeCompleted()), show(one.takeCompleted()));
    assert.equal(hex(many.root()), hex(one.root()));
    assert.equal(hex(many.root()), hex(mth(split(hashes))));
  });

  it('resumes from partial tiles', () => {
    const first = new TileBuilder();
    first.appendMany(leaves(0, 1000));
    const parts = first.partials();
    const resumed = new TileBuilder(1000, (level) => parts.find((p) => p.tile.level === level)!.data);
    const whole = new TileBuilder();
    resumed.appendMany(leaves(1000, 70000));
    whole.appendMany(leaves(0, 70000));
    assert.equal(hex(resumed.root()), hex(whole.root()));
  });

  it('rejects a length that is not whole hashes, and accepts an empty batch', () => {
    const b = new TileBuilder();
    assert.throws(() => b.appendMany(new Uint8Array(33)), TlogError);
    b.appendMany(new Uint8Array(0));
    assert.equal(b.size, 0);
  });
});
