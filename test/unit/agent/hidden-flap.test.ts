/**
 * Hidden flaps from two consecutive polls of one port (switch/hidden-flap.ts),
 * then through the switch source and the tracker with the recording fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hiddenFlap, type PolledStatus } from '../../../agent/src/switch/hidden-flap.ts';
import type { IfStatus } from '../../../agent/src/switch/status.ts';
import type { UptimeStep } from '../../../agent/src/switch/uptime.ts';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import { Tracker } from '../../../agent/src/tracker.ts';
import { IF } from '../../../agent/src/profiles/if-mib.ts';
import { Device } from './snmp-switch-device.ts';

const T = 1_780_000_000_000;
/** Previous poll at T, sysUpTime 100_000 ticks then; this poll 30 s later, 103_000 ticks. */
const prev = (oper: number, lastChange: number | null): PolledStatus => ({ oper, admin: 1, lastChange, at: T });
const cur = (oper: number, lastChange: number | null): IfStatus => ({ oper, admin: 1, lastChange });
const sample = { ticks: 103_000, at: T + 30_000 };

describe('hiddenFlap: two polls of one port', () => {
  it.each<[string, PolledStatus | undefined, IfStatus, UptimeStep, { since: number; at: number } | undefined]>([
    ['up, up, ifLastChange moved 15 s into the gap: down somewhere after T, up again at T + 15 s',
      prev(1, 50_000), cur(1, 101_500), 'steady', { since: T, at: T + 15_000 }],
    ['ifLastChange 0 before (no change since the agent started), then moved', prev(1, 0), cur(1, 102_900), 'steady', { since: T, at: T + 29_000 }],
    ['unchanged ifLastChange: nothing happened', prev(1, 50_000), cur(1, 50_000), 'steady', undefined],
    ['no previous poll of this port', undefined, cur(1, 101_500), 'steady', undefined],
    ['the state changed (down now): a transition, not hidden', prev(1, 50_000), cur(2, 101_500), 'steady', undefined],
    ['down at both polls: not an outage the polls missed', prev(2, 50_000), cur(2, 101_500), 'steady', undefined],
    ['dormant → up is a transition of its own', prev(5, 50_000), cur(1, 101_500), 'steady', undefined],
    ['after a reboot every ifLastChange restarts', prev(1, 50_000), cur(1, 500), 'rebooted', undefined],
    ['a change placed before the previous poll', prev(1, 50_000), cur(1, 99_000), 'steady', undefined],
    ['a row that did not answer', prev(1, 50_000), cur(1, null), 'steady', undefined],
  ])('%s', (_name, p, c, step, want) => {
    expect(hiddenFlap(p, c, sample, step)).toEqual(want);
  });
});

describe('hidden flaps through the switch source and the tracker', () => {
  const open: SwitchInstance[] = [];
  afterEach(() => { open.splice(0).forEach((i) => i.close()); });

  it('one episode per move of ifLastChange, bounded by the previous poll and the change', async () => {
    const dev = new Device();
    dev.uptime = 100_000;
    dev.rows([{ ifIndex: 3, ifName: 'ge-0/0/3', lastChange: 50_000 }]);
    const sw = dev.open({ ports: 'all' });
    open.push(sw);
    const tracker = new Tracker();
    const first = dev.now;
    tracker.observe(await dev.poll(sw), first);
    // 30 s on: the port went down and came back 3 s, 15 s into the gap; no trap.
    dev.tick(30_000, 103_000);
    dev.set(IF.ifLastChange, 3, 101_500);
    const o = tracker.observe(await dev.poll(sw), dev.now);
    expect(o.transitions).toEqual([]);
    expect(o.flaps).toEqual([{ subject: 'sw1/ge-0/0/3', since: first, at: first + 15_000, evidence: expect.objectContaining({ ifLastChange: 101_500, ifOperStatus: 1 }) }]);
    // The next poll with nothing new: no second episode.
    dev.tick(30_000, 106_000);
    expect(tracker.observe(await dev.poll(sw), dev.now).flaps).toEqual([]);
  });
});
