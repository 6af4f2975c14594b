/** tlog-witness add-checkpoint bodies, against the spec examples and a full exchange. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatCheckpoint, openCheckpoint } from '../../src/tlog/checkpoint.js';
import {
  cosign,
  cosignatureTimestamp,
  cosignatureVerifier,
  generateCosignerKey,
  parseCosignerKey,
} from '../../src/tlog/cosignature.js';
import { TlogError, type TlogErrorCode } from '../../src/tlog/errors.js';
import { hashRun } from '../../src/tlog/merkle.js';
import { generateKey, openNote, parseSignerKey, parseVerifierKey, signNote } from '../../src/tlog/note.js';
import { assembleProof, checkConsistency, planConsistency } from '../../src/tlog/proof.js';
import {
  type AddCheckpoint,
  formatAddCheckpoint,
  formatConflictBody,
  formatCosignatureLines,
  MAX_CONSISTENCY_LINES,
  parseAddCheckpoint,
  parseConflictBody,
  parseCosignatureLines,
} from '../../src/tlog/witness.js';
import { entryBytes, MemoryTree } from '../helpers/trees.js';

function throwsCode(fn: () => unknown, code: TlogErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

// tlog-witness.md §add-checkpoint examples.
const SPEC_REQUEST = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;
const SPEC_RESPONSE = `— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==
— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==
— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==
`;

describe('add-checkpoint request', () => {
  it('parses and re-formats the spec example', () => {
    const req = parseAddCheckpoint(SPEC_REQUEST);
    assert.equal(req.oldSize, 20852014);
    assert.equal(req.proof.length, 4);
    assert.equal(
      Buffer.from(req.proof[3]!).toString('base64'),
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    );
    assert.ok(req.checkpoint.startsWith('example.com/behind-the-sofa\n20852163\n'));
    assert.equal(formatAddCheckpoint(req), SPEC_REQUEST);
  });

  it('round-trips random requests (property)', () => {
    const req = fc.record(
      {
        oldSize: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
          maxLength: MAX_CONSISTENCY_LINES,
        }),
        checkpoint: fc.string({ minLength: 1, maxLength: 80 }).map((s) => `${s}\n`),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(req, (r: AddCheckpoint) => {
        assert.deepEqual(parseAddCheckpoint(formatAddCheckpoint(r)), r);
      }),
    );
  });

  it('rejects malformed requests', () => {
    const h = 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=';
    const bad = [
      '',
      'old 1\n',
      'old 1\ncheckpoint\n',
      'old 1\n\n',
      'old 1\n\ncheckpoint',
      'old 01\n\ncheckpoint\n',
      'old -1\n\ncheckpoint\n',
      'old  1\n\ncheckpoint\n',
      'Old 1\n\ncheckpoint\n',
      'old\n\ncheckpoint\n',
      `old 1\n${h}x\n\ncheckpoint\n`,
      `old 1\n${h.slice(0, -4)}\n\ncheckpoint\n`,
      `old 1\n${`${h}\n`.repeat(64)}\ncheckpoint\n`,
      `old 1\r\n\ncheckpoint\n`,
    ];
    for (const body of bad) throwsCode(() => parseAddCheckpoint(body), 'bad-witness-message');
    assert.equal(parseAddCheckpoint(`old 1\n${`${h}\n`.repeat(63)}\ncheckpoint\n`).proof.length, 63);
    throwsCode(
      () => formatAddCheckpoint({ oldSize: -1, proof: [], checkpoint: 'c\n' }),
      'bad-witness-message',
    );
    throwsCode(
      () => formatAddCheckpoint({ oldSize: 0, proof: [new Uint8Array(3)], checkpoint: 'c\n' }),
      'bad-witness-message',
    );
    throwsCode(() => formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: '' }), 'bad-witness-message');
  });
});

describe('add-checkpoint response', () => {
  it('parses and re-formats the spec example', () => {
    const lines = parseCosignatureLines(SPEC_RESPONSE);
    assert.equal(lines.length, 3);
    assert.equal(formatCosignatureLines(lines), SPEC_RESPONSE);
  });

  it('rejects malformed responses', () => {
    const line = SPEC_RESPONSE.split('\n')[0]!;
    for (const body of [
      '',
      '\n',
      line,
      `${line}\n\n`,
      `${line}\nnot a signature\n`,
      `— bad name AAAAAAAA\n`,
      `${line}\r\n`,
    ]) {
      throwsCode(() => parseCosignatureLines(body), 'bad-witness-message');
    }
    throwsCode(() => parseCosignatureLines(`${line}\n`.repeat(101)), 'bad-witness-message');
    throwsCode(() => formatCosignatureLines([]), 'bad-witness-message');
    throwsCode(() => formatCosignatureLines([line]), 'bad-witness-message');
    throwsCode(() => formatCosignatureLines([`${line}\n${line}\n`]), 'bad-witness-message');
  });

  it('formats and parses the 409 body', () => {
    assert.equal(formatConflictBody(20852163), '20852163\n');
    assert.equal(parseConflictBody('20852163\n'), 20852163);
    assert.equal(parseConflictBody(new TextEncoder().encode('0\n')), 0);
    for (const body of [
      '',
      '1',
      '01\n',
      '-1\n',
      ' 1\n',
      '1\n\n',
      '9007199254740992\n',
      `${'9'.repeat(100)}\n`,
    ]) {
      throwsCode(() => parseConflictBody(body), 'bad-witness-message');
    }
    throwsCode(() => formatConflictBody(-1), 'bad-witness-message');
  });
});

describe('a full add-checkpoint exchange', () => {
  it('goes log -> witness -> log with real proofs and keys', () => {
    const origin = 'vellum.example/log';
    const tree = new MemoryTree(Array.from({ length: 21 }, (_, i) => entryBytes(i)));
    const log = generateKey(origin, new Uint8Array(32).fill(3));
    const witnessKey = generateCosignerKey('witness.example/w1', new Uint8Array(32).fill(4));
    const checkpoint = (n: number): string =>
      signNote(formatCheckpoint({ origin, size: n, root: hashRun(tree.data, 0, n) }), [
        parseSignerKey(log.skey),
      ]);

    // Log side: the request from size 8 to 21.
    const plan = planConsistency(8, 21);
    const request = formatAddCheckpoint({
      oldSize: 8,
      proof: assembleProof(plan, tree.read(plan.nodes)),
      checkpoint: checkpoint(21),
    });

    // Witness side.
    const req = parseAddCheckpoint(new TextEncoder().encode(request));
    const { checkpoint: cp, note } = openCheckpoint(req.checkpoint, [parseVerifierKey(log.vkey)], origin);
    checkConsistency(req.proof, req.oldSize, hashRun(tree.data, 0, 8), cp.size, cp.root);
    const response = formatCosignatureLines([
      cosign(note.text, parseCosignerKey(witnessKey.skey), 1_750_000_000),
    ]);

    // Log side: append the cosignatures and verify them with the witness key.
    const lines = parseCosignatureLines(response);
    const cosigned = openNote(req.checkpoint + lines.join(''), [cosignatureVerifier(witnessKey.vkey)]);
    assert.equal(cosigned.sigs.length, 1);
    assert.equal(cosignatureTimestamp(cosigned.sigs[0]!), 1_750_000_000);
  });
});
