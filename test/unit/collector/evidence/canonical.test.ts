/**
 * Canonical JSON is RFC 8785: the RFC's own examples come out byte for byte, so
 * a customer's JCS library rebuilds the bytes a digest or signature covers.
 */
import { describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { canonicalJson } from '../../../../collector/src/evidence/canonical.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('writes numbers, strings and literals as the RFC example does', () => {
    const parsed = JSON.parse('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
      + ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}');
    expect(canonicalJson(parsed)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts keys by UTF-16 code units, as the RFC example does', () => {
    const parsed = JSON.parse('{"\\u20ac": 1, "\\r": 2, "\\ufb33": 3, "1": 4, "\\ud83d\\ude00": 5, "\\u0080": 6, "\\u00f6": 7}');
    expect(canonicalJson(parsed)).toBe('{"\\r":2,"1":4,"\u0080":6,"ö":7,"€":1,"😀":5,"\ufb33":3}');
  });

  it('does not depend on key order, nesting order or whitespace of the file', () => {
    const a = JSON.parse('{ "b": [1, {"y": 2, "x": 1}], "a": "t" }');
    const b = JSON.parse('{"a":"t","b":[1,{"x":1,"y":2}]}');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":"t","b":[1,{"x":1,"y":2}]}');
  });

  it.each([
    ['NaN', { a: Number.NaN }, 'a: NaN is not a JSON number'],
    ['Infinity in an array', { a: [1, Infinity] }, 'a[1]: Infinity is not a JSON number'],
    ['undefined', { a: { b: undefined } }, 'a.b: undefined has no JSON form'],
    ['a Date', { at: new Date(0) }, 'at: not a plain object'],
    ['a lone surrogate', { s: 'x\ud800' }, 's: a string with a lone surrogate'],
    ['a bigint', { n: 1n }, 'n: bigint has no JSON form'],
  ])('refuses %s instead of dropping it', (_name, value, message) => {
    let err: unknown;
    try { canonicalJson(value); } catch (e) { err = e; }
    expect(isCoded(err, 'DCP_EVIDENCE_INVALID')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
