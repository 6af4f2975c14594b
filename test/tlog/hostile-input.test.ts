/**
 * Every parser and verifier of the signed-note family MUST turn hostile
 * input into a `TlogError` and nothing else: random bytes, random strings,
 * strings built from the formats' own tokens, and mutations of valid inputs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, decodeHash } from '../../src/tlog/base64.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import {
  cosign,
  cosignatureTimestamp,
  cosignatureVerifier,
  generateCosignerKey,
  parseCosignerKey,
} from '../../src/tlog/cosignature.js';
import { TlogError } from '../../src/tlog/errors.js';
import { EMPTY_ROOT } from '../../src/tlog/hash.js';
import {
  generateKey,
  openNote,
  parseNote,
  parseSignatureLine,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/tlog/note.js';
import { formatReceipt, parseReceipt, verifyReceipt } from '../../src/tlog/receipt.js';
import {
  formatAddCheckpoint,
  parseAddCheckpoint,
  parseConflictBody,
  parseCosignatureLines,
} from '../../src/tlog/witness.js';

const log = generateKey('example.com/log', new Uint8Array(32).fill(1));
const logVerifier = parseVerifierKey(log.vkey);
const wit = generateCosignerKey('witness.example', new Uint8Array(32).fill(2));
const witVerifier = cosignatureVerifier(wit.vkey);
const body = formatCheckpoint({ origin: 'example.com/log', size: 1, root: EMPTY_ROOT });
const note =
  signNote(body, [parseSignerKey(log.skey)]) + cosign(body, parseCosignerKey(wit.skey), 1700000000);
const receipt = formatReceipt({ index: 0, proof: [], checkpoint: note, extra: new Uint8Array([1, 2]) });
const request = formatAddCheckpoint({ oldSize: 0, proof: [EMPTY_ROOT], checkpoint: note });

/** Every entry point that takes untrusted text or bytes. */
const parsers: [string, (input: string | Uint8Array) => unknown][] = [
  ['decodeBase64', (s) => decodeBase64(str(s), 'bad-note')],
  ['decodeHash', (s) => decodeHash(str(s), 'bad-note')],
  ['parseVerifierKey', (s) => parseVerifierKey(str(s))],
  ['parseSignerKey', (s) => parseSignerKey(str(s))],
  ['cosignatureVerifier', (s) => cosignatureVerifier(str(s))],
  ['parseCosignerKey', (s) => parseCosignerKey(str(s))],
  ['parseSignatureLine', (s) => parseSignatureLine(str(s))],
  ['cosignatureTimestamp', (s) => cosignatureTimestamp(parseSignatureLine(str(s)))],
  ['parseNote', (s) => parseNote(s)],
  ['openNote', (s) => openNote(s, [logVerifier, witVerifier])],
  ['parseCheckpoint', (s) => parseCheckpoint(str(s))],
  ['openCheckpoint', (s) => openCheckpoint(s, [logVerifier, witVerifier], 'example.com/log')],
  ['parseReceipt', (s) => parseReceipt(s)],
  [
    'verifyReceipt',
    (s) =>
      verifyReceipt(parseReceipt(s), {
        logKey: logVerifier,
        leafHash: EMPTY_ROOT,
        witnesses: { verifiers: [witVerifier], k: 1 },
      }),
  ],
  ['parseAddCheckpoint', (s) => parseAddCheckpoint(s)],
  ['parseCosignatureLines', (s) => parseCosignatureLines(s)],
  ['parseConflictBody', (s) => parseConflictBody(s)],
];

/** Bytes as (lossily decoded) text for the string-only parsers; anything else passes through untouched. */
function str(input: string | Uint8Array): string {
  return input instanceof Uint8Array ? new TextDecoder().decode(input) : input;
}

function onlyTlogErrors(input: string | Uint8Array): void {
  for (const [name, parse] of parsers) {
    try {
      parse(input);
    } catch (e) {
      assert.ok(
        e instanceof TlogError,
        `${name} threw ${String(e)} on ${JSON.stringify(String(str(input))).slice(0, 200)}`,
      );
    }
  }
}

/** Pieces of the formats themselves, so random strings get past the first checks. */
const tokens = fc.constantFrom(
  '— ',
  '—',
  ' ',
  '+',
  '\n',
  '\n\n',
  '=',
  'PRIVATE+KEY+',
  'example.com/log',
  'witness.example',
  'old ',
  'index ',
  'extra ',
  'c2sp.org/tlog-proof@v1\n',
  '0',
  '1',
  '9007199254740993',
  '18446744073709551616',
  'AAAA',
  '/+/+',
  'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  '\ud800',
  '\u0000',
  '\r',
  '\u2028',
  log.vkey,
  wit.vkey,
  body,
  note,
);

function mutate(s: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: s.length }), fc.nat({ max: 8 }), fc.string({ unit: 'binary', maxLength: 4 }))
    .map(([at, cut, insert]) => s.slice(0, at) + insert + s.slice(Math.min(s.length, at + cut)));
}

describe('hostile input', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyTlogErrors), { numRuns: 300 });
  });

  it('random strings, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyTlogErrors), { numRuns: 300 });
  });

  it('strings made of format tokens', () => {
    fc.assert(
      fc.property(
        fc.array(tokens, { maxLength: 30 }).map((t) => t.join('')),
        onlyTlogErrors,
      ),
      { numRuns: 500 },
    );
  });

  it('mutations of valid keys, notes, receipts and witness requests', () => {
    for (const valid of [log.vkey, log.skey, wit.vkey, wit.skey, body, note, receipt, request]) {
      fc.assert(fc.property(mutate(valid), onlyTlogErrors), { numRuns: 150 });
    }
  });

  it('the valid inputs themselves are accepted', () => {
    assert.equal(openNote(note, [logVerifier, witVerifier]).sigs.length, 2);
    assert.equal(parseReceipt(receipt).checkpoint, note);
    assert.equal(parseAddCheckpoint(request).checkpoint, note);
    assert.equal(parseSignerKey(log.skey).vkey, log.vkey);
    assert.equal(parseCosignerKey(wit.skey).vkey, wit.vkey);
  });

  it('non-string, non-byte inputs from untyped callers', () => {
    const junk: unknown[] = [undefined, null, 42, {}, [], new Uint16Array(2), Symbol('x')];
    for (const j of junk) {
      for (const [name, parse] of parsers) {
        try {
          parse(j as string);
        } catch (e) {
          assert.ok(e instanceof TlogError, `${name} threw ${String(e)} on ${String(j)}`);
        }
      }
    }
  });
});
