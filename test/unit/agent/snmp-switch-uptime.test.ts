import { describe, expect, it } from 'vitest';
import { changeInstant, ticksSince, uptimeStep } from '../../../agent/src/switch/uptime.ts';

const W = 2 ** 32;

describe('TimeTicks arithmetic', () => {
  it.each([
    [1000, 400, 600],            // plain
    [1000, 1000, 0],             // changed at the read
    [1000, 1003, 0],             // changed between the sysUpTime and the row read: a race, not a wrap
    [500, W - 500, 1000],        // changed 5 s before the counter wrapped, read 5 s after
    [0, W - 1, 1],
  ])('uptime %i, lastChange %i → %i ticks ago', (up, last, age) => {
    expect(ticksSince(up, last)).toBe(age);
  });

  it('places a change in wall time, unless 0 or older than the first poll', () => {
    const sample = { ticks: 10_000, at: 1_000_000 };
    expect(changeInstant(sample, 9_000, 0)).toBe(990_000);
    expect(changeInstant(sample, 0, 0)).toBeUndefined();
    expect(changeInstant(sample, 9_000, 995_000)).toBeUndefined();
  });

  it.each([
    [{ ticks: 1000, at: 0 }, { ticks: 4000, at: 30_000 }, 'steady'],
    [{ ticks: 1000, at: 0 }, { ticks: 3500, at: 30_000 }, 'steady'],      // device clock 5 s slow: within tolerance
    [{ ticks: 1000, at: 0 }, { ticks: 900, at: 30_000 }, 'rebooted'],     // backwards
    [{ ticks: W - 1000, at: 0 }, { ticks: 2000, at: 30_000 }, 'wrapped'], // exactly the elapsed time past 2^32
    [{ ticks: W - 1000, at: 0 }, { ticks: 100, at: 3_600_000 }, 'rebooted'], // backwards, and not by the wrap's amount
    [{ ticks: 1000, at: 0 }, { ticks: 50_000, at: 3_600_000 }, 'rebooted'], // forwards 490 s in an hour
  ])('%j then %j → %s', (prev, cur, step) => {
    expect(uptimeStep(prev, cur)).toBe(step);
  });
});
