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

  it('touching intervals do not overlap', () => {
    expect(overlaps(I(0, 5), I(5, 9))).toBe(false);
    expect(overlaps(I(0, 6), I(5, 9))).toBe(true);
  });
});
