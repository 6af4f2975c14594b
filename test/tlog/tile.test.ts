import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBundle, encodeBundle, MAX_ENTRY_SIZE } from '../../src/tlog/bundle.js';
import { TlogError } from '../../src/tlog/errors.js';
import { HASH_SIZE } from '../../src/tlog/hash.js';
import { rangeNodes } from '../../src/tlog/merkle.js';
import {
  ENTRIES,
  hashAt,
  locateNode,
  newTiles,
  parseTilePath,
  tilePath,
  tileWidth,
} from '../../src/tlog/tile.js';
import { TileBuilder } from '../../src/tlog/tile-builder.js';
import { entryBytes, MemoryTree } from '../helpers/trees.js';

describe('tile paths (C2SP tlog-tiles)', () => {
  it('formats the spec examples', () => {
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 2, index: 0, width: 1 }), 'tile/2/000.p/1');
    assert.equal(tilePath({ level: ENTRIES, index: 1000, width: 17 }), 'tile/entries/x001/000.p/17');
    assert.equal(tilePath({ level: 63, index: 999, width: 255 }), 'tile/63/999.p/255');
  });

  it('parses what it formats, for indexes near 2^32 and up to the last tile of a 2^53 tree', () => {
    for (const level of [ENTRIES, 0, 1, 5]) {
      const last = Math.floor(2 ** 53 / 256 ** (Math.max(level, 0) + 1)) - 1;
      for (const index of [0, 1, 999, 1000, 2 ** 32 - 1, 2 ** 32, last]) {
        if (index > last) continue;
        for (const width of [1, 100, 255, 256]) {
          const tile = { level, index, width };
          assert.deepEqual(parseTilePath(tilePath(tile)), tile);
        }
      }
      assert.throws(() => parseTilePath(tilePath({ level, index: last + 2, width: 1 })), {
        code: 'bad-tile',
      });
    }
  });

  it('rejects non-canonical and malformed paths', () => {
    const bad = [
      'tile/0/1',
      'tile/0/0001',
      'tile/0/x000/001',
      'tile/00/000',
      'tile/01/000',
      'tile/64/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/007',
      'tile/0/000.p/',
      'tile/0/x1/000',
      'tile/0/001/002',
      'tile/entries/000.p/300',
      'tile/-1/000',
      'tile/data/000',
      'tiles/0/000',
      'tile/0/000/',
      '/tile/0/000',
      'tile/0/x001/x002/x003/x004/x005/x006/007',
      '',
    ];
    for (const p of bad) assert.throws(() => parseTilePath(p), { name: 'TlogError', code: 'bad-tile' }, p);
  });

  it('turns any string into a tile or a TlogError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^tile\/[0-9a-z]{1,3}\/(x[0-9]{3}\/){0,3}[0-9]{3}(\.p\/[0-9]{1,3})?$/),
        ),
        (s) => {
          try {
            const t = parseTilePath(s);
            assert.equal(tilePath(t), s);
          } catch (e) {
            assert.ok(e instanceof TlogError, String(e));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('which tiles a log publishes', () => {
  it('matches the C2SP example for size 70,000', () => {
    const tiles = newTiles(0, 70000);
    const at = (l: number) => tiles.filter((t) => t.level === l);
    assert.equal(at(0).filter((t) => t.width === 256).length, 273);
    assert.deepEqual(at(0).at(-1), { level: 0, index: 273, width: 112 });
    assert.deepEqual(at(1), [
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    assert.deepEqual(at(2), [{ level: 2, index: 0, width: 1 }]);
    assert.equal(tiles.length, 277);
  });

  it('size 256 has one full tile and a level-1 tile of width 1; growing within a tile republishes only it', () => {
    assert.deepEqual(newTiles(0, 256), [
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    assert.deepEqual(newTiles(10, 20), [{ level: 0, index: 0, width: 20 }]);
    assert.deepEqual(newTiles(20, 20), []);
    assert.deepEqual(newTiles(0, 0), []);
  });

  it('computes widths near 2^53', () => {
    const size = 2 ** 53 - 1; // every 8-bit group is 255, the top level has 2^5 - 1 hashes
    assert.equal(tileWidth(0, Math.floor(size / 256), size), 255);
    assert.equal(tileWidth(6, 0, size), 31);
    const tiles = newTiles(size - 1, size);
    assert.deepEqual(tiles, [{ level: 0, index: Math.floor(size / 256), width: 255 }]);
  });
});

describe('locating nodes in tiles', () => {
  const tree = new MemoryTree(Array.from({ length: 70000 }, (_, i) => entryBytes(i)));
  const builder = new TileBuilder();
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < tree.size; i++) {
    builder.append(tree.leafHash(i));
    if (i % 9999 === 0 || i === tree.size - 1)
      for (const t of builder.flush()) files.set(tilePath(t.tile), t.data);
  }

  it('reads every node a proof may need from the published tiles', () => {
    for (const size of [1, 255, 256, 257, 65536, 65537, 69999, 70000]) {
      if (size > tree.size) continue;
      // The complete subtrees of the tree of this size, and a sample of interior nodes.
      const nodes = [
        ...rangeNodes(0, size),
        { level: 3, index: Math.floor(size / 16) },
        { level: 9, index: 0 },
      ];
      for (const n of nodes) {
        if ((n.index + 1) * 2 ** n.level > size) continue;
        const loc = locateNode(n.level, n.index, size);
        const data = files.get(tilePath(loc.tile)) ?? files.get(tilePath({ ...loc.tile, width: 256 }));
        if (!data) continue; // a partial tile of a size this log never published
        assert.deepEqual(hashAt(loc, data), tree.node(n), `node ${n.level}/${n.index} at size ${size}`);
      }
    }
  });

  it('refuses nodes that are not complete', () => {
    assert.throws(() => locateNode(1, 2, 5), { code: 'bad-proof-request' });
    assert.throws(() => locateNode(0, 5, 5), { code: 'bad-proof-request' });
  });

  it('resumes from its partial tiles with the same root', () => {
    const size = tree.size;
    const resumed = new TileBuilder(size, (level, width) => {
      const t = builder.partials().find((p) => p.tile.level === level);
      assert.equal(t?.tile.width, width);
      return t!.data;
    });
    assert.deepEqual(resumed.root(), builder.root());
    assert.throws(() => new TileBuilder(300), { code: 'bad-hashes' });
    assert.throws(() => new TileBuilder(300, () => new Uint8Array(HASH_SIZE * 3)), { code: 'bad-hashes' });
  });
});

describe('entry bundles', () => {
  it('round-trips and rejects truncation, trailing bytes and oversize entries', () => {
    const entries = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(MAX_ENTRY_SIZE).fill(9)];
    const b = encodeBundle(entries);
    assert.equal(b.length, 6 + 3 + MAX_ENTRY_SIZE);
    assert.deepEqual(b.subarray(0, 7), new Uint8Array([0, 0, 0, 3, 1, 2, 3]));
    assert.deepEqual(decodeBundle(b, 3), entries);
    assert.deepEqual(decodeBundle(b), entries);
    assert.throws(() => decodeBundle(b.subarray(0, b.length - 1)), { code: 'bad-bundle' });
    assert.throws(() => decodeBundle(b, 2), { code: 'bad-bundle' });
    assert.throws(() => decodeBundle(b, 4), { code: 'bad-bundle' });
    assert.throws(() => decodeBundle(new Uint8Array([0])), { code: 'bad-bundle' });
    assert.throws(() => encodeBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)]), { code: 'entry-too-large' });
  });

  it('turns any bytes into entries or a TlogError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.nat(10)), (data, count) => {
        try {
          const out = decodeBundle(data, count ?? undefined);
          assert.deepEqual(encodeBundle(out), data);
        } catch (e) {
          assert.ok(e instanceof TlogError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
