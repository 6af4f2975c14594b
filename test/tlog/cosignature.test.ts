/** Ed25519 cosignature/v1 (C2SP tlog-cosignature, type 0x04). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatCheckpoint, openCheckpoint } from '../../src/tlog/checkpoint.js';
import {
  COSIGNATURE_TYPE,
  cosign,
  cosignatureMessage,
  cosignatureTimestamp,
  cosignatureVerifier,
  generateCosignerKey,
  MAX_TIMESTAMP,
  parseCosignerKey,
} from '../../src/tlog/cosignature.js';
import { ed25519Sign } from '../../src/tlog/crypto-node.js';
import { TlogError, type TlogErrorCode } from '../../src/tlog/errors.js';
import { EMPTY_ROOT } from '../../src/tlog/hash.js';
import {
  computeKeyId,
  formatSignatureLine,
  generateKey,
  openNote,
  parseSignatureLine,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/tlog/note.js';

function throwsCode(fn: () => unknown, code: TlogErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

// A real staging CT checkpoint with witness cosignatures (found in a public
// Python signed-note test suite); the log key is from witness-network's
// log-list and the remora key from transparency-dev/formats note_cosigv1_test.go.
const ARCHE_VKEY =
  'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f';
const REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const REAL_CHECKPOINT = `arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
`;

const enc = new TextEncoder();
const SEED = new Uint8Array(32).fill(9);
const LOG = generateKey('example.com/log', new Uint8Array(32).fill(1));
const BODY = formatCheckpoint({ origin: 'example.com/log', size: 3, root: EMPTY_ROOT });
const SIGNED = signNote(BODY, [parseSignerKey(LOG.skey)]);

describe('cosignature keys', () => {
  it('computes the key ID of the real remora witness key', () => {
    const v = cosignatureVerifier(REMORA_VKEY);
    assert.equal(v.name, 'remora.n621.de');
    assert.equal(v.keyId, 0xda77ade7);
    const pub = Buffer.from('BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2', 'base64').subarray(1);
    assert.equal(computeKeyId('remora.n621.de', COSIGNATURE_TYPE, pub), 0xda77ade7);
  });

  it('generates Go-shaped keys of type 0x04 that round-trip', () => {
    const { skey, vkey } = generateCosignerKey('witness.example/w1', SEED);
    assert.match(skey, /^PRIVATE\+KEY\+witness\.example\/w1\+[0-9a-f]{8}\+BAkJ/);
    assert.equal(Buffer.from(skey.split('+').slice(4).join('+'), 'base64')[0], 0x04);
    const c = parseCosignerKey(skey);
    assert.equal(c.vkey, vkey);
    assert.equal(cosignatureVerifier(vkey).keyId, c.keyId);
    // The same seed as a plain note key has a different key ID (the type byte is hashed).
    assert.notEqual(parseSignerKey(generateKey('witness.example/w1', SEED).skey).keyId, c.keyId);
  });

  it('keeps note keys and cosigner keys apart', () => {
    const plain = generateKey('w', SEED);
    throwsCode(() => parseCosignerKey(plain.skey), 'bad-key');
    throwsCode(() => cosignatureVerifier(plain.vkey), 'bad-key');
    const co = generateCosignerKey('w', SEED);
    throwsCode(() => parseSignerKey(co.skey), 'bad-key');
    throwsCode(() => parseVerifierKey(co.vkey), 'bad-key');
  });

  it('rejects every proper substring and one-character change of cosigner keys', () => {
    const { skey } = generateCosignerKey('witness.example/w1', SEED);
    for (const [key, parse] of [
      [REMORA_VKEY, cosignatureVerifier],
      [skey, parseCosignerKey],
    ] as const) {
      for (let i = 0; i <= key.length; i++) {
        for (let j = i + 1; j <= key.length; j++) {
          if (i === 0 && j === key.length) continue;
          throwsCode(() => parse(key.slice(i, j)), 'bad-key');
        }
      }
      for (let i = 0; i < key.length; i++) {
        throwsCode(
          () => parse(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1)),
          'bad-key',
        );
      }
    }
  });
});

describe('cosign and verify', () => {
  const { skey, vkey } = generateCosignerKey('witness.example/w1', SEED);
  const cosigner = parseCosignerKey(skey);
  const witness = cosignatureVerifier(vkey);
  const log = parseVerifierKey(LOG.vkey);

  it('verifies the witness cosignatures of a real checkpoint', () => {
    const { checkpoint, note } = openCheckpoint(REAL_CHECKPOINT, [
      parseVerifierKey(ARCHE_VKEY),
      cosignatureVerifier(REMORA_VKEY),
    ]);
    assert.equal(checkpoint.size, 1432088532);
    assert.deepEqual(
      note.sigs.map((s) => [s.name, s.keyId]),
      [
        ['arche2025h1.staging.ct.transparency.dev', 0xba2f06c0],
        ['remora.n621.de', 0xda77ade7],
      ],
    );
    assert.equal(note.unverifiedSigs.length, 4);
    assert.equal(cosignatureTimestamp(note.sigs[1]!), 0x6a122120);
    // Only the witness: the log's own signature is then just unknown.
    assert.equal(openNote(REAL_CHECKPOINT, [cosignatureVerifier(REMORA_VKEY)]).sigs.length, 1);
    const tampered = REAL_CHECKPOINT.replace('1432088532', '1432088533');
    throwsCode(() => openNote(tampered, [cosignatureVerifier(REMORA_VKEY)]), 'invalid-signature');
  });

  it('reads the timestamps of published cosignature vectors', () => {
    // transparency-dev/formats note_cosigv1_test.go TestCoSigV1Timestamp.
    const works = parseSignatureLine(
      '— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
    );
    assert.equal(cosignatureTimestamp(works), 1727964367);
    const wrongType = parseSignatureLine(
      '— w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=',
    );
    throwsCode(() => cosignatureTimestamp(wrongType), 'bad-cosignature');
    // The tlog-cosignature.md example, whose signed message has "time 1679315147".
    const spec = parseSignatureLine(
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==',
    );
    assert.equal(cosignatureTimestamp(spec), 1679315147);
  });

  it('signs the exact cosignature/v1 message', () => {
    const line = cosign(BODY, cosigner, 1679315147);
    const sig = parseSignatureLine(line.slice(0, -1));
    assert.equal(sig.name, 'witness.example/w1');
    assert.equal(sig.keyId, cosigner.keyId);
    assert.equal(sig.signature.length, 72);
    assert.deepEqual(sig.signature.subarray(0, 8), new Uint8Array([0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb]));
    const message = cosignatureMessage(BODY, 1679315147);
    assert.equal(new TextDecoder().decode(message), `cosignature/v1\ntime 1679315147\n${BODY}`);
    assert.deepEqual(sig.signature.subarray(8), ed25519Sign(SEED, message));
  });

  it('round-trips through openNote with the log key and the witness key', () => {
    const note = openNote(SIGNED + cosign(BODY, cosigner, 1700000000), [log, witness]);
    assert.equal(note.sigs.length, 2);
    assert.equal(cosignatureTimestamp(note.sigs[1]!), 1700000000);
  });

  it('covers extension lines', () => {
    const body = formatCheckpoint({
      origin: 'example.com/log',
      size: 3,
      root: EMPTY_ROOT,
      extensions: ['ext'],
    });
    const line = cosign(body, cosigner, 5);
    assert.equal(openNote(`${body}\n${line}`, [witness]).sigs.length, 1);
    throwsCode(() => openNote(`${body.replace('ext', 'exu')}\n${line}`, [witness]), 'invalid-signature');
  });

  it('fails on any single byte change of the cosignature or the body (property)', () => {
    const note = enc.encode(`${BODY}\n${cosign(BODY, cosigner, 1700000000)}`);
    fc.assert(
      fc.property(fc.nat({ max: note.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const m = note.slice();
        m[at] = (m[at]! + delta) % 256;
        assert.throws(() => openNote(m, [witness]), TlogError);
      }),
      { numRuns: 300 },
    );
    const sig = parseSignatureLine(cosign(BODY, cosigner, 1700000000).slice(0, -1)).signature;
    for (let i = 0; i < sig.length; i++) {
      const bad = sig.slice();
      bad[i]! ^= 0x80;
      assert.equal(witness.verify(enc.encode(BODY), bad), false, `byte ${i}`);
    }
  });

  it('accepts timestamps up to MAX_SAFE_INTEGER and rejects larger ones clearly', () => {
    const atMax = cosign(BODY, cosigner, MAX_TIMESTAMP);
    const note = openNote(`${BODY}\n${atMax}`, [witness]);
    assert.equal(cosignatureTimestamp(note.sigs[0]!), MAX_TIMESTAMP);

    // Validly signed, but beyond what a JS number holds exactly.
    const forge = (ts: bigint): string => {
      const signature = new Uint8Array(72);
      new DataView(signature.buffer).setBigUint64(0, ts);
      signature.set(ed25519Sign(SEED, cosignatureMessage(BODY, ts)), 8);
      return `${BODY}\n${formatSignatureLine({ name: cosigner.name, keyId: cosigner.keyId, signature })}`;
    };
    throwsCode(() => openNote(forge(2n ** 53n), [witness]), 'bad-cosignature');
    throwsCode(() => openNote(forge(2n ** 63n - 1n), [witness]), 'bad-cosignature');
    // Beyond the spec's 2^63 - 1 the signature is simply invalid.
    throwsCode(() => openNote(forge(2n ** 63n), [witness]), 'invalid-signature');
    throwsCode(() => openNote(forge(2n ** 64n - 1n), [witness]), 'invalid-signature');
    const big = parseSignatureLine(
      forge(2n ** 53n)
        .split('\n\n')[1]!
        .slice(0, -1),
    );
    throwsCode(() => cosignatureTimestamp(big), 'bad-cosignature');
  });

  it('rejects bad timestamps and non-checkpoint bodies when cosigning', () => {
    for (const ts of [-1, 1.5, MAX_TIMESTAMP + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      throwsCode(() => cosign(BODY, cosigner, ts), 'bad-cosignature');
    }
    throwsCode(() => cosign('hello\n', cosigner, 1), 'bad-checkpoint');
    throwsCode(() => cosign(SIGNED, cosigner, 1), 'bad-checkpoint');
  });

  it('rejects malformed cosignature bytes without throwing', () => {
    const msg = enc.encode(BODY);
    assert.equal(witness.verify(msg, new Uint8Array(0)), false);
    assert.equal(witness.verify(msg, new Uint8Array(64)), false);
    assert.equal(witness.verify(msg, new Uint8Array(72)), false);
    assert.equal(witness.verify(msg, new Uint8Array(73)), false);
  });
});
