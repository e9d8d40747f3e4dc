import { describe, it, expect } from 'vitest';
import { parseInstant, monthBounds, formatInstant, monthOf } from '@dcprobe/shared';

describe('time', () => {
  it('rejects a time without an offset, naming the field', () => {
    expect(() => parseInstant('2026-11-03T10:00:00', 'reports[0].reportedAt')).toThrow(/reports\[0\]\.reportedAt/);
  });
  it('parses offsets', () => {
    expect(parseInstant('2026-11-03T10:00:00+08:00')).toBe(Date.UTC(2026, 10, 3, 2));
  });
  it.each([
    ['2026-11', 'Asia/Shanghai', 30 * 86400],
    ['2026-03', 'Europe/Berlin', 31 * 86400 - 3600],
    ['2026-10', 'Europe/Berlin', 31 * 86400 + 3600],
    ['2026-12', 'UTC', 31 * 86400],
  ])('month %s in %s lasts %i s', (m, tz, secs) => {
    const b = monthBounds(m, tz);
    expect((b.end - b.start) / 1000).toBe(secs);
  });
  it('formats with the zone offset and finds the month', () => {
    const t = parseInstant('2026-11-30T23:50:00+08:00');
    expect(formatInstant(t, 'Asia/Shanghai')).toBe('2026-11-30T23:50:00+08:00');
    expect(monthOf(t, 'Asia/Shanghai')).toBe('2026-11');
    expect(monthOf(t, 'UTC')).toBe('2026-11');
  });
});
