/** Strict base64: RFC 4648 §10 vectors, canonical-only decoding, agreement with Node's codec. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, decodeHash, encodeBase64 } from '../../src/tlog/base64.js';
import { TlogError } from '../../src/tlog/errors.js';

const enc = new TextEncoder();

function rejects(s: string): void {
  assert.throws(
    () => decodeBase64(s, 'bad-note'),
    (e: unknown) => e instanceof TlogError && e.code === 'bad-note',
    JSON.stringify(s),
  );
}

describe('base64', () => {
  it('matches the RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [raw, b64] of vectors) {
      assert.equal(encodeBase64(enc.encode(raw)), b64);
      assert.deepEqual(decodeBase64(b64, 'bad-note'), enc.encode(raw));
    }
  });

  it('agrees with Buffer on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const s = encodeBase64(b);
        assert.equal(s, Buffer.from(b).toString('base64'));
        assert.deepEqual(decodeBase64(s, 'bad-note'), b);
      }),
    );
  });

  it('rejects everything but the canonical padded encoding', () => {
    for (const s of [
      'Zg',
      'Zg=',
      'Zh==',
      'Zm9=',
      'Zm8',
      'Zm8==',
      'Zm9vY',
      '=Zm8',
      'Z=m8',
      'Zm=8',
      '====',
      'Zm9v====',
      'Zm9v\n',
      ' Zm9v',
      'Zm 9v',
      'Zm9v\r',
      'Zm-_',
      'Zm9\u00e9',
      'Zm9\u0100',
      'Zg==Zg==',
    ]) {
      rejects(s);
    }
  });

  it('decodes only what it would encode (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 24 }), (s) => {
        let out: Uint8Array;
        try {
          out = decodeBase64(s, 'bad-note');
        } catch (e) {
          assert.ok(e instanceof TlogError, String(e));
          return;
        }
        assert.equal(encodeBase64(out), s);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes hashes of exactly 32 bytes', () => {
    const h = new Uint8Array(32).fill(0xab);
    assert.deepEqual(decodeHash(encodeBase64(h), 'bad-proof'), h);
    for (const b of [new Uint8Array(31), new Uint8Array(33)]) {
      assert.throws(
        () => decodeHash(encodeBase64(b), 'bad-proof'),
        (e: unknown) => e instanceof TlogError && e.code === 'bad-proof',
      );
    }
    const unpadded33 = encodeBase64(new Uint8Array(33)).slice(0, 44);
    assert.throws(() => decodeHash(unpadded33, 'bad-proof'), TlogError);
  });
});
