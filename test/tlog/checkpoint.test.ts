/** Checkpoint bodies (C2SP tlog-checkpoint) and opening signed checkpoints. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { TlogError, type TlogErrorCode } from '../../src/tlog/errors.js';
import { EMPTY_ROOT } from '../../src/tlog/hash.js';
import { generateKey, parseSignerKey, parseVerifierKey, signNote } from '../../src/tlog/note.js';

function throwsCode(fn: () => unknown, code: TlogErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

// The example of tlog-checkpoint.md.
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

describe('checkpoint bodies', () => {
  it('parses the spec example', () => {
    const c = parseCheckpoint(SPEC_BODY);
    assert.equal(c.origin, 'example.com/behind-the-sofa');
    assert.equal(c.size, 20852163);
    assert.equal(Buffer.from(c.root).toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    assert.deepEqual(c.extensions, []);
    assert.equal(formatCheckpoint(c), SPEC_BODY);
  });

  it('round-trips extension lines and the empty tree', () => {
    const c = { origin: 'vellum.example/t1', size: 0, root: EMPTY_ROOT, extensions: ['ext one', '— two'] };
    const body = formatCheckpoint(c);
    assert.equal(
      body,
      'vellum.example/t1\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n— two\n',
    );
    assert.deepEqual(parseCheckpoint(body), c);
  });

  it('handles the largest safe tree size', () => {
    const body = formatCheckpoint({ origin: 'o', size: Number.MAX_SAFE_INTEGER, root: EMPTY_ROOT });
    assert.equal(parseCheckpoint(body).size, Number.MAX_SAFE_INTEGER);
    throwsCode(
      () => parseCheckpoint('o\n9007199254740992\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n'),
      'bad-checkpoint',
    );
  });

  it('rejects malformed bodies', () => {
    const root = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    const bad = [
      '',
      'o\n1\n',
      `o\n1\n${root}`,
      `\n1\n${root}\n`,
      `o\n01\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n+1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n 1\n${root}\n`,
      `o\n1\n${root.slice(0, -1)}\n`,
      `o\n1\n${root.replace('=', 'A')}\n`,
      `o\n1\nAAAA\n`,
      `o\n1\n${root}\n\n`,
      `o\n1\n${root}\next\n\n`,
      `o\n1\n${root}\r\n`,
      `o\t\n1\n${root}\n`,
    ];
    for (const body of bad) throwsCode(() => parseCheckpoint(body), 'bad-checkpoint');
  });

  it('refuses to format what it could not parse', () => {
    throwsCode(() => formatCheckpoint({ origin: '', size: 1, root: EMPTY_ROOT }), 'bad-checkpoint');
    throwsCode(() => formatCheckpoint({ origin: 'a\nb', size: 1, root: EMPTY_ROOT }), 'bad-checkpoint');
    throwsCode(() => formatCheckpoint({ origin: 'o', size: -1, root: EMPTY_ROOT }), 'bad-checkpoint');
    throwsCode(() => formatCheckpoint({ origin: 'o', size: 1.5, root: EMPTY_ROOT }), 'bad-checkpoint');
    throwsCode(() => formatCheckpoint({ origin: 'o', size: 2 ** 53, root: EMPTY_ROOT }), 'bad-checkpoint');
    throwsCode(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31) }), 'bad-checkpoint');
    throwsCode(
      () => formatCheckpoint({ origin: 'o', size: 1, root: EMPTY_ROOT, extensions: [''] }),
      'bad-checkpoint',
    );
    throwsCode(() => formatCheckpoint({ origin: 'o\x01', size: 1, root: EMPTY_ROOT }), 'bad-checkpoint');
  });
});

describe('openCheckpoint', () => {
  const { skey, vkey } = generateKey('example.com/log', new Uint8Array(32).fill(7));
  const signer = parseSignerKey(skey);
  const verifier = parseVerifierKey(vkey);
  const body = formatCheckpoint({ origin: 'example.com/log', size: 5, root: EMPTY_ROOT });
  const signed = signNote(body, [signer]);

  it('opens and parses a signed checkpoint', () => {
    const { checkpoint, note } = openCheckpoint(signed, [verifier], 'example.com/log');
    assert.equal(checkpoint.size, 5);
    assert.equal(note.sigs.length, 1);
  });

  it('checks the origin when asked', () => {
    throwsCode(() => openCheckpoint(signed, [verifier], 'example.com/other'), 'bad-checkpoint');
    assert.equal(openCheckpoint(signed, [verifier]).checkpoint.origin, 'example.com/log');
  });

  it('passes on note errors and rejects signed non-checkpoints', () => {
    throwsCode(() => openCheckpoint(signed, []), 'unverified-note');
    throwsCode(() => openCheckpoint(signed.replace('\n5\n', '\n6\n'), [verifier]), 'invalid-signature');
    throwsCode(() => openCheckpoint(signNote('hello\n', [signer]), [verifier]), 'bad-checkpoint');
  });
});
