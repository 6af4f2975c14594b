import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ROOT, leafHash, nodeHash } from '../../src/tlog/hash.js';
import {
  rangeNodes,
  rootOfLeafHashes,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
} from '../../src/tlog/merkle.js';
import { TileBuilder } from '../../src/tlog/tile-builder.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);

// transparency-dev/merkle testonly/constants.go: LeafInputs and RootHashes.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 hashing (transparency-dev/merkle rfc6962_test.go vectors)', () => {
  it('hashes the empty tree, leaves and nodes', () => {
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(
      hex(leafHash(new Uint8Array())),
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    assert.equal(
      hex(leafHash(utf8('L123456'))),
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
    assert.equal(
      hex(nodeHash(utf8('N123'), utf8('N456'))),
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
  });

  it('gives the reference roots of trees of size 0..8', () => {
    for (let n = 0; n <= 8; n++) {
      const hashes = LEAVES.slice(0, n).map((l) => leafHash(fromHex(l)));
      assert.equal(hex(rootOfLeafHashes(hashes)), ROOTS[n], `size ${n}`);
      const b = new TileBuilder();
      for (const h of hashes) b.append(h);
      assert.equal(hex(b.root()), ROOTS[n], `tile builder, size ${n}`);
    }
  });

  it('a leaf hash is never a node hash of the same bytes (domain separation)', () => {
    const a = leafHash(new Uint8Array(64));
    const b = nodeHash(new Uint8Array(32), new Uint8Array(32));
    assert.notEqual(hex(a), hex(b));
  });
});

describe('stored hash numbering (Go sumdb/tlog)', () => {
  it('numbers hashes in the order the Go code stores them', () => {
    // Record 0: (0,0). Record 1: (0,1) (1,0). Record 2: (0,2). Record 3: (0,3) (1,1) (2,0). Record 4: (0,4).
    const order = [
      [0, 0],
      [0, 1],
      [1, 0],
      [0, 2],
      [0, 3],
      [1, 1],
      [2, 0],
      [0, 4],
    ];
    order.forEach(([level, n], i) => {
      assert.equal(storedHashIndex(level!, n!), i);
      assert.deepEqual(splitStoredHashIndex(i), { level, index: n });
    });
    assert.deepEqual([0, 1, 2, 3, 4, 5, 8].map(storedHashCount), [0, 1, 3, 4, 7, 8, 15]);
  });

  it('round-trips every index below 5000 and near 2^32', () => {
    for (let i = 0; i < 5000; i++) {
      const { level, index } = splitStoredHashIndex(i);
      assert.equal(storedHashIndex(level, index), i);
    }
    for (let i = 2 ** 33 - 100; i < 2 ** 33 + 100; i++) {
      const { level, index } = splitStoredHashIndex(i);
      assert.equal(storedHashIndex(level, index), i);
    }
    // StoredHashIndex(0, n) = 2n - popcount(n); 2^40 + 12345 has 7 one bits.
    const n = 2 ** 40 + 12345;
    assert.equal(storedHashIndex(0, n), 2 * n - 7);
  });

  it('rejects indexes that would overflow a safe integer', () => {
    assert.throws(() => storedHashIndex(0, 2 ** 53 - 1), { name: 'TlogError', code: 'bad-number' });
    assert.throws(() => storedHashIndex(0, -1), { name: 'TlogError', code: 'bad-number' });
    assert.throws(() => storedHashIndex(0, 1.5), { name: 'TlogError', code: 'bad-number' });
  });
});

describe('rangeNodes', () => {
  it('splits a range into complete subtrees, largest first', () => {
    assert.deepEqual(rangeNodes(0, 7), [
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    assert.deepEqual(rangeNodes(8, 13), [
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    assert.deepEqual(rangeNodes(5, 5), []);
  });

  it('covers sizes near 2^53 with at most 53 nodes', () => {
    const size = 2 ** 53 - 1;
    const nodes = rangeNodes(0, size);
    assert.equal(nodes.length, 53);
    let covered = 0;
    for (const n of nodes) {
      assert.equal(n.index * 2 ** n.level, covered);
      covered += 2 ** n.level;
    }
    assert.equal(covered, size);
  });
});
