import { describe, expect, it } from 'vitest';
import { changeInstant, ticksSince, uptimeStep } from '../../../agent/src/switch/uptime.ts';
import { IF, SYS_UPTIME } from '../../../agent/src/profiles/if-mib.ts';
import { Device, standardRows } from './snmp-switch-device.ts';

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

describe('the time of a sysUpTime sample', () => {
  // The device reads its counter somewhere inside the round trip; the agent takes the
  // middle, so a port change placed by ifLastChange is off by at most half a round trip,
  // whichever way the delay falls.
  it('is the middle of the round trip of its GET, and places ifLastChange from there', async () => {
    const dev = new Device();
    dev.uptime = 500_000;
    dev.rows(standardRows());
    const sw = dev.open({ ports: ['ge-0/0/1'] });
    try {
      await dev.poll(sw); // the first poll: changes before it are not transitions this agent saw
      dev.tick(10_000, 501_000);
      dev.set(IF.ifOperStatus, 1, 2);
      dev.set(IF.ifLastChange, 1, 500_500); // 5 s before the device's sysUpTime reading
      // The GET of sysUpTime takes 400 ms on the agent's clock; the other GETs take none.
      const get = dev.fake.get.bind(dev.fake);
      dev.fake.get = async (oids) => {
        const vbs = await get(oids);
        if (oids.includes(SYS_UPTIME)) dev.now += 400;
        return vbs;
      };
      const sent = dev.now;
      const [r] = await dev.poll(sw);
      expect(r!.state).toBe('down');
      // Sampled at sent + 200 (not sent + 400, when the answer arrived), 5 s after the change.
      expect(r!.since).toBe(sent + 200 - 5000);
    } finally { sw.close(); }
  });
});
