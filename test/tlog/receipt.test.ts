/** Evidence receipts (C2SP tlog-proof): format, parse, and k-of-n verification. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import {
  cosign,
  cosignatureVerifier,
  generateCosignerKey,
  parseCosignerKey,
} from '../../src/tlog/cosignature.js';
import { TlogError, type TlogErrorCode } from '../../src/tlog/errors.js';
import { hashRun } from '../../src/tlog/merkle.js';
import { generateKey, parseSignerKey, parseVerifierKey, signNote } from '../../src/tlog/note.js';
import { assembleProof, planInclusion } from '../../src/tlog/proof.js';
import {
  formatReceipt,
  MAX_PROOF_LINES,
  parseReceipt,
  type Receipt,
  type ReceiptPolicy,
  verifyReceipt,
} from '../../src/tlog/receipt.js';
import { entryBytes, MemoryTree } from '../helpers/trees.js';

function throwsCode(fn: () => unknown, code: TlogErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const sha = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());

describe('receipt format', () => {
  // transparency-dev/formats proof/tlog_proof_test.go TestMarshal.
  const h1 = sha('hash1');
  const h2 = sha('hash2');
  const extra = new TextEncoder().encode('extra information');

  it('matches the transparency-dev/formats marshal vectors', () => {
    assert.equal(
      formatReceipt({ index: 5, proof: [h1, h2], checkpoint: 'test checkpoint\n' }),
      `c2sp.org/tlog-proof@v1\nindex 5\n${b64(h1)}\n${b64(h2)}\n\ntest checkpoint\n`,
    );
    assert.equal(
      formatReceipt({ index: 10, proof: [h1], checkpoint: 'checkpoint data\n', extra }),
      `c2sp.org/tlog-proof@v1\nextra ${b64(extra)}\nindex 10\n${b64(h1)}\n\ncheckpoint data\n`,
    );
    assert.equal(
      formatReceipt({ index: 0, proof: [], checkpoint: 'checkpoint\n' }),
      'c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n',
    );
  });

  it('parses what it formats', () => {
    const r: Receipt = { index: 10, proof: [h1, h2], checkpoint: 'a\nb\n\n— c d\n', extra };
    assert.deepEqual(parseReceipt(formatReceipt(r)), r);
    assert.deepEqual(parseReceipt(new TextEncoder().encode(formatReceipt(r))), r);
    const empty: Receipt = { index: 0, proof: [], checkpoint: 'x\n', extra: new Uint8Array(0) };
    assert.equal(formatReceipt(empty), 'c2sp.org/tlog-proof@v1\nextra \nindex 0\n\nx\n');
    assert.deepEqual(parseReceipt(formatReceipt(empty)), empty);
  });

  it('round-trips random receipts (property)', () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const receipt = fc.record(
      {
        index: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        proof: fc.array(hash, { maxLength: MAX_PROOF_LINES }),
        checkpoint: fc.string({ minLength: 1, maxLength: 80 }).map((s) => `${s}\n`),
        extra: fc.uint8Array({ maxLength: 64 }),
      },
      { requiredKeys: ['index', 'proof', 'checkpoint'], noNullPrototype: true },
    );
    fc.assert(
      fc.property(receipt, (r) => {
        assert.deepEqual(parseReceipt(formatReceipt(r)), r);
      }),
    );
  });

  it('rejects malformed receipts (transparency-dev/formats TestUnmarshalErrors and more)', () => {
    const h = b64(h1);
    const bad = [
      'wrong-header\nindex 0\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n',
      `c2sp.org/tlog-proof@v1\nindex 0\n${b64(new Uint8Array(64))}\n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${'a'.repeat(65 * 1024)}\n`,
      'c2sp.org/tlog-proof@v1\nindex 05\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 9007199254740992\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 0\n\n',
      'c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint',
      'c2sp.org/tlog-proof@v1\nindex 0\ncheckpoint\n',
      `c2sp.org/tlog-proof@v1\nindex 0\nextra ${h}\n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${h} \n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\r\nindex 0\n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${`${h}\n`.repeat(64)}\ncheckpoint\n`,
    ];
    for (const text of bad) throwsCode(() => parseReceipt(text), 'bad-receipt');
    assert.equal(
      parseReceipt(`c2sp.org/tlog-proof@v1\nindex 0\n${`${h}\n`.repeat(63)}\ncheckpoint\n`).proof.length,
      63,
    );
    throwsCode(() => parseReceipt(new Uint8Array([0xc3, 0x28])), 'bad-receipt');
  });

  it('refuses to format out-of-range receipts', () => {
    throwsCode(() => formatReceipt({ index: -1, proof: [], checkpoint: 'c\n' }), 'bad-receipt');
    throwsCode(() => formatReceipt({ index: 2 ** 53, proof: [], checkpoint: 'c\n' }), 'bad-receipt');
    throwsCode(
      () => formatReceipt({ index: 0, proof: [new Uint8Array(31)], checkpoint: 'c\n' }),
      'bad-receipt',
    );
    throwsCode(
      () => formatReceipt({ index: 0, proof: Array(64).fill(h1), checkpoint: 'c\n' }),
      'bad-receipt',
    );
    throwsCode(() => formatReceipt({ index: 0, proof: [], checkpoint: 'c' }), 'bad-receipt');
  });
});

describe('verifyReceipt', () => {
  const ORIGIN = 'vellum.example/tenant-1';
  const N = 13;
  const entries = Array.from({ length: N }, (_, i) => entryBytes(i));
  const tree = new MemoryTree(entries);
  const root = hashRun(tree.data, 0, N);
  const body = formatCheckpoint({ origin: ORIGIN, size: N, root });
  const logKeys = generateKey(ORIGIN, new Uint8Array(32).fill(1));
  const logKey = parseVerifierKey(logKeys.vkey);
  const signed = signNote(body, [parseSignerKey(logKeys.skey)]);
  const w = [1, 2, 3].map((i) => generateCosignerKey(`witness${i}.example`, new Uint8Array(32).fill(10 + i)));
  const cosigners = w.map((k) => parseCosignerKey(k.skey));
  const witnesses = w.map((k) => cosignatureVerifier(k.vkey));
  const cosig = (i: number, ts = 1700000000): string => cosign(body, cosigners[i]!, ts);

  function receipt(index: number, checkpoint: string): Receipt {
    const plan = planInclusion(index, N);
    return { index, proof: assembleProof(plan, tree.read(plan.nodes)), checkpoint };
  }

  function policy(k: number, extra: Partial<ReceiptPolicy> = {}): ReceiptPolicy {
    return {
      logKey,
      origin: ORIGIN,
      leafHash: tree.leafHash(7),
      witnesses: { verifiers: witnesses, k },
      ...extra,
    } as ReceiptPolicy;
  }

  const twoOfThree = signed + cosig(0) + cosig(1);

  it('verifies every index of the tree with no witness policy', () => {
    for (let i = 0; i < N; i++) {
      const r = parseReceipt(formatReceipt(receipt(i, signed)));
      const v = verifyReceipt(r, { logKey, origin: ORIGIN, entry: entries[i]! });
      assert.equal(v.checkpoint.size, N);
      assert.deepEqual(v.cosignatures, []);
    }
  });

  it('k of n: 0 of 3, 2 of 3 met, 3 of 3 not met', () => {
    const r = receipt(7, twoOfThree);
    assert.equal(verifyReceipt(r, policy(0)).cosignatures.length, 2);
    const v = verifyReceipt(r, policy(2));
    assert.deepEqual(
      v.cosignatures.map((s) => s.name),
      ['witness1.example', 'witness2.example'],
    );
    throwsCode(() => verifyReceipt(r, policy(3)), 'policy-unsatisfied');
    throwsCode(() => verifyReceipt(receipt(7, signed), policy(1)), 'policy-unsatisfied');
  });

  it('counts duplicate cosignatures and duplicate witness keys once', () => {
    const dup = receipt(7, signed + cosig(0, 1) + cosig(0, 1) + cosig(0, 2) + cosig(1));
    assert.equal(verifyReceipt(dup, policy(2)).cosignatures.length, 2);
    throwsCode(() => verifyReceipt(dup, policy(3)), 'policy-unsatisfied');
    const again = cosignatureVerifier(w[0]!.vkey);
    const doubled = {
      logKey,
      leafHash: tree.leafHash(7),
      witnesses: { verifiers: [witnesses[0]!, again, witnesses[1]!], k: 3 },
    };
    throwsCode(() => verifyReceipt(receipt(7, twoOfThree), doubled), 'policy-unsatisfied');
    assert.equal(
      verifyReceipt(receipt(7, twoOfThree), { ...doubled, witnesses: { ...doubled.witnesses, k: 2 } })
        .cosignatures.length,
      2,
    );
  });

  it('rejects impossible policies', () => {
    const r = receipt(7, twoOfThree);
    throwsCode(() => verifyReceipt(r, policy(4)), 'policy-unsatisfied');
    throwsCode(() => verifyReceipt(r, policy(-1)), 'policy-unsatisfied');
    throwsCode(() => verifyReceipt(r, policy(1.5)), 'policy-unsatisfied');
    // The log key is not a witness of itself.
    const self = { logKey, leafHash: tree.leafHash(7), witnesses: { verifiers: [logKey], k: 1 } };
    throwsCode(() => verifyReceipt(r, self), 'policy-unsatisfied');
  });

  it('ignores cosignatures of witnesses outside the policy', () => {
    const r = receipt(
      7,
      twoOfThree +
        cosign(body, parseCosignerKey(generateCosignerKey('stranger', new Uint8Array(32)).skey), 5),
    );
    const v = verifyReceipt(r, { ...policy(1), witnesses: { verifiers: [witnesses[1]!], k: 1 } });
    assert.equal(v.cosignatures.length, 1);
    assert.equal(v.note.unverifiedSigs.length, 2);
  });

  it('requires the log signature, the origin and valid known signatures', () => {
    const witnessOnly = receipt(7, `${body}\n${cosig(0)}${cosig(1)}`);
    throwsCode(() => verifyReceipt(witnessOnly, policy(2)), 'unverified-note');
    throwsCode(
      () => verifyReceipt(receipt(7, twoOfThree), policy(2, { origin: 'other.example' })),
      'bad-checkpoint',
    );
    const line = cosig(2);
    const at = line.lastIndexOf(' ') + 30;
    const badCosig = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
    throwsCode(() => verifyReceipt(receipt(7, twoOfThree + badCosig), policy(2)), 'invalid-signature');
    const other = parseVerifierKey(generateKey(ORIGIN, new Uint8Array(32).fill(2)).vkey);
    throwsCode(() => verifyReceipt(receipt(7, twoOfThree), policy(0, { logKey: other })), 'unverified-note');
  });

  it('checks the inclusion proof', () => {
    const r = receipt(7, twoOfThree);
    throwsCode(() => verifyReceipt(r, policy(2, { leafHash: tree.leafHash(6) })), 'bad-proof');
    throwsCode(() => verifyReceipt({ ...r, index: 6 }, policy(2)), 'bad-proof');
    throwsCode(() => verifyReceipt({ ...r, index: N }, policy(2)), 'bad-proof');
    throwsCode(() => verifyReceipt({ ...r, proof: r.proof.slice(1) }, policy(2)), 'bad-proof');
    throwsCode(() => verifyReceipt({ ...r, proof: [...r.proof, r.proof[0]!] }, policy(2)), 'bad-proof');
    throwsCode(() => verifyReceipt(r, policy(2, { leafHash: new Uint8Array(31) })), 'bad-receipt');
    assert.equal(verifyReceipt(r, policy(2, { leafHash: undefined, entry: entries[7]! })).checkpoint.size, N);
  });

  it('fails on any single byte change of a receipt (property)', () => {
    const text = new TextEncoder().encode(formatReceipt(receipt(7, twoOfThree)));
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const m = text.slice();
        m[at] = (m[at]! + delta) % 256;
        try {
          const v = verifyReceipt(parseReceipt(m), policy(2));
          assert.fail(`byte ${at} + ${delta} still verified with ${v.cosignatures.length} cosignatures`);
        } catch (e) {
          assert.ok(e instanceof TlogError, String(e));
        }
      }),
      { numRuns: 300 },
    );
  });
});
