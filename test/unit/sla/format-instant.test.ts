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
