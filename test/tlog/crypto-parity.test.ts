/**
 * The two `#crypto` implementations (node:crypto for Node, @noble for
 * browsers) MUST produce identical bytes: same hashes, same deterministic
 * Ed25519 keys and signatures, same verification verdicts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as node from '../../src/tlog/crypto-node.js';
import * as web from '../../src/tlog/crypto-web.js';

describe('crypto-node and crypto-web', () => {
  it('are the two implementations', () => {
    assert.ok(['node', 'node-native'].includes(node.implementation), node.implementation);
    assert.equal(web.implementation, 'web');
  });

  it('agree on SHA-256, including the empty input', () => {
    assert.equal(
      Buffer.from(node.sha256(new Uint8Array(0))).toString('hex'),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (data) => {
        assert.deepEqual(Buffer.from(web.sha256(data)), Buffer.from(node.sha256(data)));
      }),
    );
  });

  it('agree on Ed25519 keys, signatures and verification (property)', () => {
    const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(seed, fc.uint8Array({ maxLength: 300 }), fc.nat(), (s, msg, flip) => {
        const pub = node.ed25519PublicKey(s);
        assert.deepEqual(Buffer.from(web.ed25519PublicKey(s)), Buffer.from(pub));
        const sig = node.ed25519Sign(s, msg);
        assert.deepEqual(Buffer.from(web.ed25519Sign(s, msg)), Buffer.from(sig));
        assert.equal(node.ed25519Verify(pub, msg, sig), true);
        assert.equal(web.ed25519Verify(pub, msg, sig), true);
        const bad = sig.slice();
        bad[flip % 64]! ^= 1 << (flip % 8);
        assert.equal(node.ed25519Verify(pub, msg, bad), false);
        assert.equal(web.ed25519Verify(pub, msg, bad), false);
      }),
      { numRuns: 100 },
    );
  });

  it('agree on malformed keys and signatures: false, never a throw', () => {
    const s = new Uint8Array(32).fill(5);
    const pub = node.ed25519PublicKey(s);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = node.ed25519Sign(s, msg);
    const cases: [Uint8Array, Uint8Array][] = [
      [pub.subarray(1), sig],
      [pub, sig.subarray(1)],
      [new Uint8Array(32).fill(0xff), sig],
      [pub, new Uint8Array(64).fill(0xff)],
      [new Uint8Array(0), new Uint8Array(0)],
    ];
    for (const [p, g] of cases) {
      assert.equal(node.ed25519Verify(p, msg, g), false);
      assert.equal(web.ed25519Verify(p, msg, g), false);
    }
  });

  it('reproduce the Go PeterNeumann note signature', () => {
    const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
    const text = new TextEncoder().encode(
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
    );
    const want = Buffer.from(
      'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      'base64',
    ).subarray(4);
    assert.deepEqual(Buffer.from(node.ed25519Sign(seed, text)), want);
    assert.deepEqual(Buffer.from(web.ed25519Sign(seed, text)), want);
  });
});
