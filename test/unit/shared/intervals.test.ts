import { describe, it, expect } from 'vitest';
import { union, subtract, intersect, measure, overlaps } from '@dcprobe/shared';

const I = (start: number, end: number) => ({ start, end });

describe('intervals', () => {
  it.each([
    ['touching merge', [I(0, 5), I(5, 10)], [I(0, 10)]],
    ['disjoint stay', [I(6, 9), I(0, 5)], [I(0, 5), I(6, 9)]],
    ['empty dropped', [I(3, 3), I(1, 2)], [I(1, 2)]],
    ['nested', [I(0, 10), I(2, 3)], [I(0, 10)]],
  ])('union: %s', (_n, input, out) => expect(union(input)).toEqual(out));

  it.each([
    [[I(0, 10)], [I(2, 4), I(6, 8)], [I(0, 2), I(4, 6), I(8, 10)]],
    [[I(0, 10)], [I(-5, 20)], []],
    [[I(0, 10)], [], [I(0, 10)]],
  ])('subtract %j - %j', (a, b, out) => expect(subtract(a, b)).toEqual(out));

  it('intersect and measure', () => {
    expect(intersect([I(0, 10), I(20, 30)], [I(5, 25)])).toEqual([I(5, 10), I(20, 25)]);
    expect(measure([I(0, 10), I(5, 15)])).toBe(15);
  });

  it('union and measure agree with a unit-by-unit count on random lists, sorted or not, open-ended or not', () => {
    let seed = 1;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    /** Which unit steps [k, k+1) of -1..40 the list covers; -Infinity stands for "before 0". */
    const covered = (list: { start: number; end: number }[]) => {
      const out: number[] = [];
      for (let k = -1; k < 40; k++) if (list.some((x) => x.start <= Math.max(k, -1e9) && x.end >= k + 1 && x.end > x.start)) out.push(k);
      return out;
    };
    for (let round = 0; round < 2000; round++) {
      const list = Array.from({ length: rnd(6) }, () => {
        const start = rnd(8) === 0 ? -Infinity : rnd(36);
        return I(start, Number.isFinite(start) ? start + rnd(6) : rnd(10));
      });
      const input = rnd(2) ? list : [...list].sort((a, b) => a.start - b.start || a.end - b.end);
      const before = JSON.stringify(input);
      const u = union(input);
      expect(JSON.stringify(input)).toBe(before); // never changed
      for (let k = 1; k < u.length; k++) expect(u[k]!.start).toBeGreaterThan(u[k - 1]!.end); // sorted, apart
      expect(covered(u)).toEqual(covered(input));
      const finite = input.filter((x) => Number.isFinite(x.start));
      expect(measure(finite)).toBe(covered(finite).length);
      expect(measure(input)).toBe(input.some((x) => x.start === -Infinity && x.end > x.start) ? Infinity : covered(input).length);
    }
  });

  it('touching intervals do not overlap', () => {
    expect(overlaps(I(0, 5), I(5, 9))).toBe(false);
    expect(overlaps(I(0, 6), I(5, 9))).toBe(true);
  });
});
