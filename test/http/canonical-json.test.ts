/**
 * RFC 8785 (JCS) against the RFC's own examples: §3.2.2 and §3.2.3 (the
 * reference implementation's testdata values.json and weird.json) and the
 * number serialization samples of Appendix B.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalBytes, canonicalize } from '../../src/domain/canonical-json.js';
import { DomainError } from '../../src/domain/errors.js';

function fromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonical JSON (RFC 8785)', () => {
  it('serializes the RFC 8785 §3.2.2 example (values.json)', () => {
    const input = JSON.parse(
      '{\n  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n' +
        '  "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n' +
        '  "literals": [null, true, false]\n}',
    );
    assert.equal(
      canonicalize(input),
      '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
    );
  });

  it('sorts members by UTF-16 code units (§3.2.3, weird.json)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","1":"One","\\u0080":"Control\\u007f","\\ud83d\\ude02":"Smiley",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"</script>":"Browser Challenge"}',
    );
    assert.equal(
      canonicalize(input),
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // The surrogate pair of U+1F602 sorts before U+FB33 by code units (it would not by code points).
    assert.ok('\ud83d\ude02' < '\ufb33');
  });

  it('formats numbers as Appendix B says', () => {
    const samples: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, want] of samples) assert.equal(canonicalize(fromBits(bits)), want, bits);
  });

  it('refuses NaN and infinities (Appendix B: 7fffffffffffffff, 7ff0000000000000)', () => {
    for (const v of [fromBits('7fffffffffffffff'), fromBits('7ff0000000000000'), Number.NEGATIVE_INFINITY]) {
      assert.throws(
        () => canonicalize({ v }),
        (e: unknown) => e instanceof DomainError && e.code === 'not-canonical',
      );
    }
  });

  it('refuses lone surrogates, in values and in member names', () => {
    for (const v of ['\ud800', 'a\udc00b', { '\ud83d': 1 }, ['\ude02']]) {
      assert.throws(() => canonicalize(v), /lone surrogate/);
    }
    assert.equal(canonicalize('\ud83d\ude02'), '"😂"');
  });

  it('refuses what is not JSON data instead of dropping it', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const v of [
      undefined,
      { a: undefined },
      () => 1,
      Symbol('s'),
      1n,
      new Date(0),
      new Uint8Array(1),
      new Map(),
      sparse(),
      cyclic,
    ]) {
      assert.throws(
        () => canonicalize(v),
        (e: unknown) => e instanceof DomainError && e.code === 'not-canonical',
      );
    }
  });

  it('escapes only what JSON requires, with lowercase hex', () => {
    assert.equal(
      canonicalize('\u0000\u001f\b\t\n\f\r"\\/\u007f<>&\u2028'),
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f<>&\u2028"',
    );
  });

  it('is the UTF-8 of the text, with no whitespace, and objects of a null prototype are fine', () => {
    const o = Object.assign(Object.create(null), { b: [1, { d: true, c: null }], a: 'é' });
    assert.equal(canonicalize(o), '{"a":"é","b":[1,{"c":null,"d":true}]}');
    assert.deepEqual(
      Buffer.from(canonicalBytes({ a: 'é' })).toString('hex'),
      Buffer.from('{"a":"é"}').toString('hex'),
    );
  });
});

/** [1, <hole>, 2] */
function sparse(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 2;
  return a;
}
