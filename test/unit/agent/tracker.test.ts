import { describe, expect, it } from 'vitest';
import { Tracker } from '../../../agent/src/tracker.ts';
import type { Trigger } from '../../../agent/src/tracker.ts';
import type { Reading } from '../../../agent/src/sources/types.ts';

const port = (state: string, extra: Partial<Reading> = {}): Reading =>
  ({ subject: 'sw1/ge-0/0/1', kind: 'port', state: state as Reading['state'], evidence: { ifOperStatus: state }, ...extra });

interface Step { at: number; r: Reading; trigger?: Trigger }
interface Row { name: string; steps: Step[]; want: ({ state: string; at: number; via: string; initial: boolean } | null)[] }

const T = 1_700_000_000_000;

const rows: Row[] = [
  { name: 'first reading is emitted, marked initial', steps: [{ at: T, r: port('up') }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }] },
  { name: 'same state again emits nothing', steps: [{ at: T, r: port('up') }, { at: T + 30e3, r: port('up') }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, null] },
  { name: 'a change is emitted at poll time without since', steps: [{ at: T, r: port('up') }, { at: T + 30e3, r: port('down') }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 30e3, via: 'poll', initial: false }] },
  { name: 'plausible since times the change (lastchange)',
    steps: [{ at: T, r: port('up') }, { at: T + 30e3, r: port('down', { since: T + 12_340 }) }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 12_340, via: 'lastchange', initial: false }] },
  { name: 'since on the first reading is used (state began before start-up)',
    steps: [{ at: T, r: port('up', { since: T - 86_400e3 }) }],
    want: [{ state: 'up', at: T - 86_400e3, via: 'lastchange', initial: true }] },
  { name: 'since in the future falls back to poll time',
    steps: [{ at: T, r: port('up') }, { at: T + 30e3, r: port('down', { since: T + 31e3 }) }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 30e3, via: 'poll', initial: false }] },
  { name: 'since before the previous transition falls back to poll time',
    steps: [{ at: T, r: port('up', { since: T - 5e3 }) }, { at: T + 30e3, r: port('down', { since: T - 6e3 }) }],
    want: [{ state: 'up', at: T - 5e3, via: 'lastchange', initial: true }, { state: 'down', at: T + 30e3, via: 'poll', initial: false }] },
  { name: 'since equal to the previous transition is stale, poll time used',
    steps: [{ at: T, r: port('up', { since: T - 5e3 }) }, { at: T + 30e3, r: port('down', { since: T - 5e3 }) }],
    want: [{ state: 'up', at: T - 5e3, via: 'lastchange', initial: true }, { state: 'down', at: T + 30e3, via: 'poll', initial: false }] },
  { name: 'NaN or negative since is ignored',
    steps: [{ at: T, r: port('up', { since: Number.NaN }) }, { at: T + 1, r: port('down', { since: -1 }) }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 1, via: 'poll', initial: false }] },
  { name: 'trap-triggered poll is via trap',
    steps: [{ at: T, r: port('up') }, { at: T + 2e3, r: port('down'), trigger: 'trap' }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 2e3, via: 'trap', initial: false }] },
  { name: 'a trap-triggered poll with plausible since is timed by lastchange',
    steps: [{ at: T, r: port('up') }, { at: T + 2e3, r: port('down', { since: T + 1500 }), trigger: 'trap' }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 1500, via: 'lastchange', initial: false }] },
  { name: "the source's own via wins",
    steps: [{ at: T, r: port('up', { via: 'trap' }) }],
    want: [{ state: 'up', at: T, via: 'trap', initial: true }] },
  { name: 'flap back and forth: every change emitted, only the first initial',
    steps: [{ at: T, r: port('up') }, { at: T + 1e3, r: port('down') }, { at: T + 2e3, r: port('up') }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 1e3, via: 'poll', initial: false },
      { state: 'up', at: T + 2e3, via: 'poll', initial: false }] },
  { name: 'a poll that started before the last (trap) transition is stale and ignored',
    steps: [{ at: T, r: port('up') }, { at: T + 5e3, r: port('down', { via: 'trap' }) }, { at: T + 4e3, r: port('up') }, { at: T + 6e3, r: port('up') }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 5e3, via: 'trap', initial: false }, null,
      { state: 'up', at: T + 6e3, via: 'poll', initial: false }] },
  { name: 'a fractional since is rounded to whole ms',
    steps: [{ at: T, r: port('up') }, { at: T + 30e3, r: port('down', { since: T + 10_000.6 }) }],
    want: [{ state: 'up', at: T, via: 'poll', initial: true }, { state: 'down', at: T + 10_001, via: 'lastchange', initial: false }] },
];

describe('Tracker', () => {
  it.each(rows)('$name', ({ steps, want }) => {
    const t = new Tracker();
    const got = steps.map((s) => {
      const { transitions } = t.observe([s.r], s.at, s.trigger);
      expect(transitions.length).toBeLessThanOrEqual(1);
      const x = transitions[0];
      return x ? { state: x.state, at: x.at, via: x.via, initial: x.initial } : null;
    });
    expect(got).toEqual(want);
  });

  it('keeps evidence and the previous state', () => {
    const t = new Tracker();
    t.observe([port('up')], T);
    const [x] = t.observe([port('down', { evidence: { ifOperStatus: 2, ifIndex: 7 } })], T + 1).transitions;
    expect(x).toMatchObject({ from: 'up', evidence: { ifOperStatus: 2, ifIndex: 7 } });
  });

  it('rejects states outside the vocabulary of the kind, without changing state', () => {
    const t = new Tracker();
    t.observe([port('up')], T);
    const bad = { ...port('up'), state: 'battery' as Reading['state'] };
    const r = t.observe([bad], T + 1);
    expect(r).toEqual({ transitions: [], flaps: [], rejected: [{ reading: bad, problem: 'state outside the vocabulary of its kind' }] });
    expect(t.get('sw1/ge-0/0/1')?.state).toBe('up');
  });

  it('never keeps a subject the wire would refuse, so it cannot reach the outbox or the hello; evidence never costs a reading', () => {
    const t = new Tracker();
    const spaced = port('up', { subject: 'winxp/MS TCP Loopback interface' });
    const long = port('up', { subject: `sw1/${'x'.repeat(200)}` });
    const badEvidence = port('up', { subject: 'sw1/p2', evidence: { ['k'.repeat(101)]: 1 } });
    const r = t.observe([spaced, long, badEvidence, port('up')], T);
    expect(r.rejected.map((x) => x.problem)).toEqual(['subject id outside the protocol', 'subject id outside the protocol']);
    expect(r.transitions.map((x) => x.subject)).toEqual(['sw1/p2', 'sw1/ge-0/0/1']);
    expect(t.snapshot().map((x) => x.subject).sort()).toEqual(['sw1/ge-0/0/1', 'sw1/p2']);
  });

  it('tracks subjects independently and snapshots current state with since', () => {
    const t = new Tracker();
    t.observe([port('up'), { subject: 'ups1/output', kind: 'power', state: 'mains', evidence: {} }], T);
    t.observe([{ subject: 'ups1/output', kind: 'power', state: 'battery', evidence: {} }, port('up')], T + 5e3);
    expect(t.snapshot()).toEqual([
      { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', since: T },
      { subject: 'ups1/output', kind: 'power', state: 'battery', since: T + 5e3 },
    ]);
  });

  it('unknownReadings covers only known subjects not already unknown; a port says its ifAdminStatus was not read', () => {
    const t = new Tracker();
    t.observe([port('up'), { subject: 'sw1/ge-0/0/2', kind: 'port', state: 'unknown', evidence: {} }, { subject: 'ups1/output', kind: 'power', state: 'mains', evidence: {} }], T);
    const rs = t.unknownReadings(['sw1/ge-0/0/1', 'sw1/ge-0/0/2', 'never/seen', 'ups1/output'], { error: 'DCP_SNMP_TIMEOUT' });
    expect(rs).toEqual([
      { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'unknown', evidence: { error: 'DCP_SNMP_TIMEOUT', ifAdminStatus: null, admin: null } },
      { subject: 'ups1/output', kind: 'power', state: 'unknown', evidence: { error: 'DCP_SNMP_TIMEOUT' } },
    ]);
    const [x] = t.observe(rs.slice(0, 1), T + 9).transitions;
    expect(x).toMatchObject({ state: 'unknown', at: T + 9, via: 'poll', initial: false, from: 'up' });
  });
});

describe('Tracker: hidden flaps (up at two polls, ifLastChange moved in between)', () => {
  const P1 = T, P2 = T + 30e3;
  const flap = (since: number, at: number) => ({ hiddenFlap: { since, at } });
  const rows: { name: string; steps: { at: number; r: Reading; trigger?: Trigger }[]; want: { since: number; at: number }[] }[] = [
    { name: 'up, then up with a flap between the polls: one episode with its bounds',
      steps: [{ at: P1, r: port('up') }, { at: P2, r: port('up', flap(P1 + 50, P1 + 13_000)) }], want: [{ since: P1 + 50, at: P1 + 13_000 }] },
    { name: 'no previous reading (first poll): nothing',
      steps: [{ at: P2, r: port('up', flap(P1, P1 + 13_000)) }], want: [] },
    { name: 'the state changed: a transition, not a hidden flap',
      steps: [{ at: P1, r: port('up') }, { at: P2, r: port('down', flap(P1, P1 + 13_000)) }], want: [] },
    { name: 'a port down at both polls: not reported (IF-MIB cannot tell a hidden recovery from a change between down states)',
      steps: [{ at: P1, r: port('down') }, { at: P2, r: port('down', flap(P1, P1 + 13_000)) }], want: [] },
    { name: 'traps recorded the episode after that poll: already told',
      steps: [{ at: P1, r: port('up') }, { at: P1 + 10e3, r: port('down', { via: 'trap' }) }, { at: P1 + 13e3, r: port('up', { via: 'trap' }) },
        { at: P2, r: port('up', flap(P1, P1 + 13_000)) }], want: [] },
    { name: 'an end after the poll, or before its start, is not plausible',
      steps: [{ at: P1, r: port('up') }, { at: P2, r: port('up', flap(P1, P2 + 1)) }, { at: P2 + 30e3, r: port('up', flap(P2, P2 - 1)) }], want: [] },
  ];
  it.each(rows)('$name', ({ steps, want }) => {
    const t = new Tracker();
    const got = steps.flatMap((s) => t.observe([s.r], s.at, s.trigger).flaps.map((f) => ({ since: f.since, at: f.at })));
    expect(got).toEqual(want);
  });
});
