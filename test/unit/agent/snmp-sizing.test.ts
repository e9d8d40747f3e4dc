import { describe, expect, it } from 'vitest';
import { RETRY_AFTER_MS, RequestSizing, type SizingOptions } from '../../../agent/src/snmp/sizing.ts';

const clock = { now: 0 };
function sizing(o: Partial<SizingOptions> = {}) {
  const changes: number[] = [];
  const s = new RequestSizing({ version: '2c', bulk: 'auto', maxRepetitions: 25, maxVarbinds: 48, where: '192.0.2.1:161', onChange: (n) => changes.push(n), now: () => clock.now, ...o });
  return { s, changes };
}

describe('request sizing: the walk stays under the varbind cap', () => {
  it.each([
    // columns, maxRepetitions, maxVarbinds → columns per request, repetitions
    [3, 25, 48, 3, 16],
    [3, 10, 48, 3, 10],
    [1, 25, 48, 1, 25],
    [10, 25, 48, 10, 4],
    [60, 25, 48, 48, 1],
    [3, 25, 2, 2, 1],
  ])('%i columns, max-repetitions %i, cap %i → %i columns a request, %i repetitions', (cols, reps, cap, per, r) => {
    const { s } = sizing({ maxRepetitions: reps, maxVarbinds: cap });
    expect(s.walkPlan(cols)).toEqual({ perRequest: per, reps: r });
    expect(per * r).toBeLessThanOrEqual(Math.max(cap, per));
  });

  it('SNMPv1 and bulk: off walk with GETNEXT (0 repetitions), and say so at once', () => {
    expect(sizing({ version: '1' }).s.walkPlan(3)).toEqual({ perRequest: 3, reps: 0 });
    const { s, changes } = sizing({ bulk: 'off' });
    expect(s.repetitions).toBe(0);
    expect(changes).toEqual([0]);
  });
});

describe('request sizing: a device that does not answer big requests', () => {
  it('halves what was asked on each timeout the device survives, down to 1, then GETNEXT', () => {
    const { s, changes } = sizing();
    const seen: number[] = [];
    for (let i = 0; i < 8 && s.repetitions > 0; i++) {
      const { reps } = s.walkPlan(3);
      seen.push(reps);
      expect(s.bulkTimedOut(reps, true)).toBe(true);
    }
    expect(seen).toEqual([16, 8, 4, 2, 1]);
    expect(changes).toEqual([25, 8, 4, 2, 1, 0]);
    expect(s.walkPlan(3)).toEqual({ perRequest: 3, reps: 0 });
    expect(s.bulkTimedOut(1, true)).toBe(false); // nothing smaller than GETNEXT
  });

  it('a timeout the device does not survive (no answer to the small GET) changes nothing', () => {
    const { s, changes } = sizing();
    expect(s.bulkTimedOut(16, false)).toBe(false);
    expect(s.repetitions).toBe(25);
    expect(changes).toEqual([25]);
  });

  it('a device that queued the small GET too: two timeouts with an answer between them halve', () => {
    const { s } = sizing();
    expect(s.bulkTimedOut(16, false)).toBe(false);
    expect(s.bulkTimedOut(16, false)).toBe(false); // nothing answered in between: still just unreachable
    s.answered(); // the next poll's sysUpTime GET
    expect(s.bulkTimedOut(16, false)).toBe(true);
    expect(s.repetitions).toBe(8);
  });

  it('a GETBULK answered between two timeouts clears the suspicion', () => {
    const { s } = sizing();
    s.bulkTimedOut(16, false);
    s.answered();
    s.bulkAnswered();
    expect(s.bulkTimedOut(16, false)).toBe(false);
  });

  it('tooBig halves too; with bulk: on nothing adapts', () => {
    const { s } = sizing();
    expect(s.bulkTooBig(16)).toBe(true);
    expect(s.repetitions).toBe(8);
    const on = sizing({ bulk: 'on' }).s;
    expect(on.bulkTooBig(16)).toBe(false);
    expect(on.bulkTimedOut(16, true)).toBe(false);
    expect(on.repetitions).toBe(25);
  });

  it('a GET answered tooBig halves the cap, until a single varbind', () => {
    const { s } = sizing();
    expect(s.getTooBig(48)).toBe(true);
    expect(s.maxVarbinds).toBe(24);
    expect(s.getTooBig(48)).toBe(true); // a request sent before the change: retry at the new cap
    expect(s.maxVarbinds).toBe(24);
    expect(s.getTooBig(1)).toBe(false);
  });

  it('a GET that times out while the device answers small requests halves the cap; with bulk: on, nothing adapts', () => {
    const { s } = sizing();
    expect(s.getTimedOut(48, false)).toBe(false);
    expect(s.getTimedOut(48, true)).toBe(true);
    expect(s.maxVarbinds).toBe(24);
    expect(sizing({ bulk: 'on' }).s.getTimedOut(48, true)).toBe(false);
  });

  it('a request that finds the size already shrunk by another retries without shrinking again', () => {
    const { s, changes } = sizing();
    expect(s.bulkTimedOut(16, true)).toBe(true);
    expect(s.bulkTimedOut(16, true)).toBe(true);
    expect(changes).toEqual([25, 8]);
  });
});

describe('request sizing: a device that was only busy', () => {
  it('once the smaller size has been answered for RETRY_AFTER_MS, the size it shrank from is tried once more, and kept when answered', () => {
    const { s, changes } = sizing();
    s.bulkTimedOut(16, true);
    clock.now += RETRY_AFTER_MS - 1;
    s.bulkAnswered();
    expect(s.repetitions).toBe(8);
    clock.now += 1;
    s.bulkAnswered();
    expect(s.repetitions).toBe(16);
    clock.now += 10 * RETRY_AFTER_MS;
    s.bulkAnswered();
    expect(changes).toEqual([25, 8, 16]);
  });

  it('a size that fails again is never tried again', () => {
    const { s, changes } = sizing();
    s.bulkTimedOut(16, true);
    clock.now += RETRY_AFTER_MS;
    s.bulkAnswered();
    expect(s.bulkTimedOut(16, true)).toBe(true);
    clock.now += 10 * RETRY_AFTER_MS;
    s.bulkAnswered();
    expect(changes).toEqual([25, 8, 16, 8]);
    expect(s.repetitions).toBe(8);
  });
});
