/**
 * Signed notes against the golden vectors of golang.org/x/mod/sumdb/note
 * (note_test.go), the C2SP signed-note spec example, transparency-dev/formats
 * keys and real vkeys from transparency-dev/witness-network.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TlogError, type TlogErrorCode } from '../../src/tlog/errors.js';
import {
  computeKeyId,
  generateKey,
  MAX_NOTE_SIZE,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  type Signer,
  signNote,
  type Verifier,
} from '../../src/tlog/note.js';

function throwsCode(fn: () => unknown, code: TlogErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

function throwsTlog(fn: () => unknown, label: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TlogError, label);
}

// golang.org/x/mod/sumdb/note note_test.go
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_B64 =
  'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';
const ENOCH_B64 =
  'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';
const PETER_SIG = `— PeterNeumann ${PETER_B64}\n`;
const ENOCH_SIG = `— EnochRoot ${ENOCH_B64}\n`;
const PETER_NOTE = `${TEXT}\n${PETER_SIG}`;

// C2SP signed-note.md §Verifier keys, Example
const FOO_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const FOO_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// transparency-dev/formats log/note_test.go: skey/vkey pairs, several with `+` in the base64.
const FORMATS_PAIRS: [string, string][] = [
  [
    'PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ',
    'Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs',
  ],
  [
    'PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci',
    'Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH',
  ],
  [
    'PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+',
    'KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj',
  ],
  [
    'PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU',
    'Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots',
  ],
];

// transparency-dev/witness-network lists/testing/log-list.1: real log keys.
const LOG_LIST_VKEYS = [
  'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f',
  'arche2025h2.staging.ct.transparency.dev+9fcb9171+AaSfJnU/wl/0HR4cTkeJgQ5lk26N43sChTQMeFV14VOj',
  'arche2026h1.staging.ct.transparency.dev+706e1366+AVK//LIrBodyJVW1ZUUDud5pN8iUm8+li//WcrInnF4D',
  'sigsum.org/v1/tree/4e89cc51651f0d95f3c6127c15e1a42e3ddf7046c5b17b752689c402e773bb4d+778629b1+AUZEryq9QPSJWgA7yjUPnVkSqzAaScd/E+W22QXCCl/m',
  'log2025-alpha3.rekor.sigstage.dev+d3d3a70c+AZQ93VXPMmj9uZj7U/7CefQ9yy8RgYFv6mKzOseipjqp',
  'sigsum.org/v1/tree/1643169b32bef33a3f54f8a353b87c475d19b6223cbb106390d10a29978e1cba+57f71a6a+AUfkgWBtisunR6awU9bC0ZFgX7EiF11BChICqRQwq845',
  'vindex.gopherwatch.org+af4f4f3a+AYlEp21ErzmKZa+aqhjC8BQteyEtsVwmLzblkzHxn8et',
  'keyserver.geomys.org+16b31509+ARLJ+pmTj78HzTeBj04V+LVfB+GFAQyrg54CRIju7Nn8',
  'sigsum.org/v1/tree/e93cb678c04cc52e4da380c4b19cfa14062032a722da254c65cbd95e7e76321d+c6279f6d+Ae3din1x8uLDUC6N8XgsRfxj5BmBw23kv3Aq2y6nVHHd',
];

const peter = parseVerifierKey(PETER_VKEY);
const enoch = parseVerifierKey(ENOCH_VKEY);

describe('note keys', () => {
  it('parses the Go PeterNeumann vkey and skey', () => {
    assert.equal(peter.name, 'PeterNeumann');
    assert.equal(peter.keyId, 0xc74f20a3);
    const signer = parseSignerKey(PETER_SKEY);
    assert.equal(signer.name, 'PeterNeumann');
    assert.equal(signer.keyId, 0xc74f20a3);
    assert.equal(signer.vkey, PETER_VKEY);
  });

  it('derives the vkey of every transparency-dev/formats skey', () => {
    for (const [skey, vkey] of FORMATS_PAIRS) {
      const s = parseSignerKey(skey);
      assert.equal(s.vkey, vkey);
      const v = parseVerifierKey(vkey);
      assert.equal(v.keyId, s.keyId);
      const sig = s.sign(new TextEncoder().encode('hi'));
      assert.ok(v.verify(new TextEncoder().encode('hi'), sig));
    }
  });

  it('parses real log vkeys, including those with + in the base64', () => {
    let withPlus = 0;
    for (const vkey of LOG_LIST_VKEYS) {
      const [name, id] = [vkey.slice(0, vkey.indexOf('+')), vkey.split('+')[1]!];
      const v = parseVerifierKey(vkey);
      assert.equal(v.name, name);
      assert.equal(v.keyId, Number.parseInt(id, 16));
      if (vkey.split('+').length > 3) withPlus++;
    }
    assert.ok(withPlus >= 5, 'the list has keys whose base64 contains +');
  });

  it('generateKey matches the Go encoding and round-trips', () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const { skey, vkey } = generateKey('EnochRoot', seed);
    assert.match(
      skey,
      /^PRIVATE\+KEY\+EnochRoot\+[0-9a-f]{8}\+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f$/,
    );
    const s = parseSignerKey(skey);
    assert.equal(s.vkey, vkey);
    const v = parseVerifierKey(vkey);
    const msg = new TextEncoder().encode('hi');
    const sig = s.sign(msg);
    assert.ok(v.verify(msg, sig));
    sig[0]! ^= 1;
    assert.ok(!v.verify(msg, sig));
    sig[0]! ^= 1;
    msg[0]! ^= 1;
    assert.ok(!v.verify(msg, sig));
    throwsCode(() => generateKey('bad name', seed), 'bad-key');
    throwsCode(() => generateKey('a+b', seed), 'bad-key');
    throwsCode(() => generateKey('', seed), 'bad-key');
    throwsCode(() => generateKey('ok', seed.subarray(1)), 'bad-key');
  });

  it('computes key IDs as SHA-256(name || \\n || type || key)[:4]', () => {
    const v = parseVerifierKey(FOO_VKEY);
    assert.equal(v.keyId, 0x530d903a);
    const pub = Buffer.from('AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'base64').subarray(1);
    assert.equal(computeKeyId('example.com/foo', 1, pub), 0x530d903a);
  });

  it('rejects every proper substring and every one-character change of a vkey (as Go does)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        throwsCode(() => parseVerifierKey(PETER_VKEY.slice(i, j)), 'bad-key');
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const k =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      throwsCode(() => parseVerifierKey(k), 'bad-key');
    }
    // Go's hand-made cases: wrong key length and unknown algorithm, each with a matching key ID.
    throwsCode(
      () => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
      'bad-key',
    );
    throwsCode(
      () => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      'bad-key',
    );
  });

  it('rejects every proper substring and every one-character change of an skey (as Go does)', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        throwsCode(() => parseSignerKey(PETER_SKEY.slice(i, j)), 'bad-key');
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const k =
        PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      throwsCode(() => parseSignerKey(k), 'bad-key');
    }
  });

  it('is stricter than Go where the spec says so: lowercase hex, names without spaces', () => {
    throwsCode(
      () => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      'bad-key',
    );
    throwsCode(
      () => parseVerifierKey(`Peter\u00a0Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`),
      'bad-key',
    );
    throwsCode(() => parseVerifierKey(`${PETER_VKEY}\n`), 'bad-key');
    throwsCode(() => parseVerifierKey(` ${PETER_VKEY}`), 'bad-key');
    // A type 0x04 (cosignature) key is not a plain note key.
    throwsCode(
      () => parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'),
      'bad-key',
    );
  });
});

describe('signNote', () => {
  it('reproduces the Go PeterNeumann signature byte for byte', () => {
    assert.equal(signNote(TEXT, [parseSignerKey(PETER_SKEY)]), PETER_NOTE);
  });

  it('signs with several keys in order', () => {
    const a = parseSignerKey(FORMATS_PAIRS[0]![0]);
    const b = parseSignerKey(FORMATS_PAIRS[1]![0]);
    const msg = signNote('text\n\nwith a blank line\n', [a, b]);
    const n = openNote(msg, [parseVerifierKey(a.vkey), parseVerifierKey(b.vkey)]);
    assert.equal(n.text, 'text\n\nwith a blank line\n');
    assert.deepEqual(
      n.sigs.map((s) => s.name),
      ['Log', 'Known'],
    );
  });

  it('rejects texts that are not valid note texts, and bad signers', () => {
    const s = parseSignerKey(PETER_SKEY);
    throwsCode(() => signNote('abc', [s]), 'bad-note');
    throwsCode(() => signNote('', [s]), 'bad-note');
    throwsCode(() => signNote('a\tb\n', [s]), 'bad-note');
    throwsCode(() => signNote('a\rb\n', [s]), 'bad-note');
    throwsCode(() => signNote('\ud800\n', [s]), 'bad-note');
    throwsCode(() => signNote(TEXT, []), 'bad-note');
    const badName: Signer = { name: 'bad name', keyId: 1, sign: () => new Uint8Array(64) };
    throwsCode(() => signNote(TEXT, [badName]), 'bad-key');
    const badId: Signer = { name: 'ok', keyId: 2 ** 32, sign: () => new Uint8Array(64) };
    throwsCode(() => signNote(TEXT, [badId]), 'bad-key');
  });

  it('accepts the smallest text, a single newline', () => {
    const s = parseSignerKey(PETER_SKEY);
    assert.equal(openNote(signNote('\n', [s]), [peter]).text, '\n');
  });
});

describe('openNote', () => {
  it('verifies the C2SP signed-note example', () => {
    const n = openNote(FOO_NOTE, [parseVerifierKey(FOO_VKEY)]);
    assert.equal(n.text, 'This is an example message.\n');
    assert.equal(n.sigs.length, 1);
    assert.equal(n.sigs[0]!.keyId, 0x530d903a);
  });

  it('reports one verified and one unknown signature (Go TestOpen)', () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    assert.equal(n.text, TEXT);
    assert.deepEqual(
      n.sigs.map((s) => [s.name, s.keyId]),
      [['PeterNeumann', 0xc74f20a3]],
    );
    assert.deepEqual(
      n.unverifiedSigs.map((s) => [s.name, s.keyId, Buffer.from(s.signature).toString('base64')]),
      [['EnochRoot', 0xaf0cfe78, Buffer.from(ENOCH_B64, 'base64').subarray(4).toString('base64')]],
    );
  });

  it('verifies both signatures when both keys are known', () => {
    const n = openNote(new TextEncoder().encode(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), [peter, enoch]);
    assert.deepEqual(
      n.sigs.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    );
    assert.equal(n.unverifiedSigs.length, 0);
  });

  it('rejects a note no known key signed, but parseNote still reads it', () => {
    const msg = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    throwsCode(() => openNote(msg, []), 'unverified-note');
    throwsCode(() => openNote(msg, [parseVerifierKey(FOO_VKEY)]), 'unverified-note');
    const p = parseNote(msg);
    assert.equal(p.text, TEXT);
    assert.deepEqual(
      p.signatures.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    );
  });

  it('rejects ambiguous verifiers only when a signature needs them', () => {
    const enoch2 = parseVerifierKey(ENOCH_VKEY);
    throwsCode(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch2]), 'bad-key');
    assert.equal(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch2]).sigs.length, 1);
    // The same verifier object twice is not ambiguous.
    assert.equal(openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, enoch]).sigs.length, 1);
  });

  it('rejects more than 100 signatures', () => {
    throwsCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]), 'bad-note');
    throwsCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []), 'bad-note');
    assert.equal(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).sigs.length, 1);
  });

  it('rejects a known key whose signature fails', () => {
    const bad = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    throwsCode(() => openNote(bad, [peter]), 'invalid-signature');
  });

  it('keeps repeated signatures once (Go: duplicated verified and unverified signatures)', () => {
    const enochABCD = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`;
    const n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochABCD}`, [peter]);
    assert.equal(n.sigs.length, 1);
    assert.equal(n.unverifiedSigs.length, 2);
    assert.equal(n.unverifiedSigs[1]!.name, 'EnochRoot');
  });

  it('verifies every signature of a known key, not just the first', () => {
    // Go skips later signatures of an already-verified key; the spec says a
    // known key's signature MUST be verified, so a bad second one rejects the note.
    const badPeter = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    throwsCode(() => openNote(`${TEXT}\n${PETER_SIG}${badPeter}`, [peter]), 'invalid-signature');
  });

  it('rejects malformed notes (Go TestOpen bad messages)', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name ${PETER_B64}`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n—  PeterNeumann ${PETER_B64}\n`,
      `${TEXT}\n— PeterNeumann ${PETER_B64} \n`,
      `${TEXT}\n— PeterNeumann\n`,
      `${TEXT}\n— PeterNeumann AAAAAA==\n`,
      `${TEXT}\r\n${PETER_SIG}`,
      `\ud800${TEXT}\n${PETER_SIG}`,
    ];
    for (const msg of bad) throwsCode(() => openNote(msg, [peter]), 'bad-note');
    const invalidUtf8 = new Uint8Array([0xff, ...new TextEncoder().encode(PETER_NOTE)]);
    throwsCode(() => openNote(invalidUtf8, [peter]), 'bad-note');
  });

  it('caps the input size at 1 MiB', () => {
    const s = parseSignerKey(PETER_SKEY);
    const big = `${'x'.repeat(MAX_NOTE_SIZE - 200)}\n`;
    assert.equal(openNote(signNote(big, [s]), [peter]).text, big);
    throwsCode(() => openNote(`${'x'.repeat(MAX_NOTE_SIZE)}\n\n${PETER_SIG}`, [peter]), 'bad-note');
    // Three UTF-8 bytes per character: under the cap in UTF-16 units, over it in bytes.
    throwsCode(() => openNote(`${'€'.repeat(MAX_NOTE_SIZE / 2)}\n\n${PETER_SIG}`, [peter]), 'bad-note');
    throwsCode(() => openNote(new Uint8Array(MAX_NOTE_SIZE + 1), [peter]), 'bad-note');
  });

  it('turns a throwing third-party verifier into invalid-signature', () => {
    const v: Verifier = {
      name: 'PeterNeumann',
      keyId: 0xc74f20a3,
      verify: () => {
        throw new RangeError('boom');
      },
    };
    throwsCode(() => openNote(PETER_NOTE, [v]), 'invalid-signature');
  });

  it('fails on every one-character change or deletion anywhere in a signed note', () => {
    for (let i = 0; i < PETER_NOTE.length; i++) {
      const c = PETER_NOTE.charCodeAt(i);
      const changed =
        PETER_NOTE.slice(0, i) + String.fromCharCode(c === 0x41 ? 0x42 : 0x41) + PETER_NOTE.slice(i + 1);
      throwsTlog(() => openNote(changed, [peter]), `change at ${i}`);
      const deleted = PETER_NOTE.slice(0, i) + PETER_NOTE.slice(i + 1);
      throwsTlog(() => openNote(deleted, [peter]), `deletion at ${i}`);
    }
  });

  it('fails on any single byte change (property)', () => {
    const bytes = new TextEncoder().encode(PETER_NOTE);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const m = bytes.slice();
        m[at] = (m[at]! + delta) % 256;
        throwsTlog(() => openNote(m, [peter]), `byte ${at} + ${delta}`);
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a changed byte count as a verified signature (property)', () => {
    // With two signers, renaming one signature makes it unknown and the other
    // still verifies: the note opens, but with fewer verified signatures.
    const bytes = new TextEncoder().encode(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const m = bytes.slice();
        m[at] = (m[at]! + delta) % 256;
        try {
          assert.ok(openNote(m, [peter, enoch]).sigs.length < 2, `byte ${at} + ${delta}`);
        } catch (e) {
          assert.ok(e instanceof TlogError, String(e));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips random valid texts (property)', () => {
    const s = parseSignerKey(PETER_SKEY);
    const line = fc
      .string({ unit: 'binary', maxLength: 40 })
      .filter((x) => !/[\x00-\x1f\ud800-\udfff]/.test(x));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        const text = `${lines.join('\n')}\n`;
        assert.equal(openNote(signNote(text, [s]), [peter]).text, text);
      }),
      { numRuns: 100 },
    );
  });
});
