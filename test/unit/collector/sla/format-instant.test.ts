// toScenario relies on formatInstant keeping milliseconds (store times are sub-second),
// so the round trip lives here, beside the code that depends on it.
import { describe, it, expect } from 'vitest';
import { parseInstant, formatInstant } from '@dcprobe/shared';

describe('formatInstant round trip', () => {
  it.each([
    ['2026-11-03T10:00:00.250+08:00', 'Asia/Shanghai'],
    ['2026-03-29T01:59:59.999+01:00', 'Europe/Berlin'],
    ['2026-11-03T02:00:00.001Z', 'UTC'],
    ['2026-11-03T10:00:00+08:00', 'Asia/Shanghai'],
  ])('keeps the milliseconds of %s', (text, tz) => {
    const t = parseInstant(text);
    expect(formatInstant(t, tz)).toBe(text);
  });
});

describe('formatInstant agrees with toISOString', () => {
  it('over 5,000 instants from 1970 to 2100, in UTC and with offsets', () => {
    let seed = 7;
    const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let i = 0; i < 5_000; i++) {
      const t = Math.floor(next() * Date.UTC(2100, 0, 1)) - (i % 3 === 0 ? 0 : Math.floor(next() * 1000));
      const iso = new Date(t).toISOString().replace('.000Z', 'Z');
      expect(formatInstant(t)).toBe(iso);
      if (i % 10 === 0) expect(parseInstant(formatInstant(t, 'America/New_York'))).toBe(t);
    }
  });
  it.each([
    [Date.UTC(2024, 1, 29, 23, 59, 59, 999), '2024-02-29T23:59:59.999Z'],
    [Date.UTC(2000, 0, 1), '2000-01-01T00:00:00Z'],
    [Date.UTC(1900, 2, 1), '1900-03-01T00:00:00Z'],
    [-1, '1969-12-31T23:59:59.999Z'],
  ])('%d is %s', (t, text) => {
    expect(formatInstant(t)).toBe(text);
  });
});

describe('formatInstant outside years 0000-9999', () => {
  it.each([
    [253402300800000, '+010000-01-01T00:00:00Z'],
    [-62167219200001, '-000001-12-31T23:59:59.999Z'],
  ])('%d is %s, as toISOString says', (t, text) => {
    expect(formatInstant(t)).toBe(text);
  });
  it('throws on NaN like toISOString', () => {
    expect(() => formatInstant(Number.NaN)).toThrow(RangeError);
  });
});
