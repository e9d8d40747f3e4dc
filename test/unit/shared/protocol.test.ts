/**
 * What protocol version 1 grew without breaking anyone: a hello whose bad
 * `states` entries are set aside instead of refusing the agent, a welcome
 * that may list features, and the hidden-flap event an agent sends only to
 * a collector that lists it.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentEventSchema, AgentFrameSchema, CollectorFrameSchema, EventSchema, FEATURES, HelloSchema, HiddenFlapEventSchema, WelcomeSchema,
} from '@dcprobe/shared';

const hello = { type: 'hello', v: 1, agentId: 'rack-a', version: '0.1.0', host: { hostname: 'h' }, clock: 1 };
const ok = { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', since: 5 };

describe('hello: bad states entries are quarantined, the hello stands', () => {
  it('keeps good entries and reports each bad one with its index and why', () => {
    const r = HelloSchema.safeParse({ ...hello, states: [ok, { ...ok, subject: 'winxp/MS TCP Loopback interface' }, { ...ok, since: -1 }, 'junk'] });
    expect(r.success).toBe(true);
    expect(r.data!.states).toEqual([ok]);
    expect(r.data!.quarantined!.map((q) => [q.index, q.problem])).toEqual([
      [1, 'subject: no white space in a subject id'],
      [2, 'since: Too small: expected number to be >=0'],
      [3, '(root): Invalid input: expected object, received string'],
    ]);
    expect(r.data!.quarantined![0]!.entry).toMatchObject({ subject: 'winxp/MS TCP Loopback interface' });
  });

  it('a hello with only good entries (or none) has no quarantined field', () => {
    expect(HelloSchema.parse({ ...hello, states: [ok] })).not.toHaveProperty('quarantined');
    expect(HelloSchema.parse(hello)).toEqual(hello);
  });

  it('is still one of the agent frames, and the rest of the hello is still checked', () => {
    expect(AgentFrameSchema.parse({ ...hello, states: [{ ...ok, subject: 'a b' }] })).toMatchObject({ type: 'hello', states: [], quarantined: [{ index: 0 }] });
    expect(AgentFrameSchema.safeParse({ ...hello, agentId: '' }).success).toBe(false);
    expect(AgentFrameSchema.safeParse({ ...hello, states: Array.from({ length: 100_001 }, () => ok) }).success).toBe(false);
  });
});

describe('welcome: optional features', () => {
  const welcome = { type: 'welcome', v: 1, committedSeq: 0, serverTime: 1, heartbeatMs: 10_000 };
  it('a welcome without features (every collector so far) and one with them', () => {
    expect(WelcomeSchema.parse(welcome)).toEqual(welcome);
    expect(CollectorFrameSchema.parse({ ...welcome, features: [FEATURES.HIDDEN_FLAP] })).toMatchObject({ features: ['hidden-flap'] });
    expect(WelcomeSchema.safeParse({ ...welcome, features: [''] }).success).toBe(false);
  });
});

describe('hidden-flap events', () => {
  const e = { seq: 9, subject: 'sw1/ge-0/0/3', kind: 'hidden-flap', since: 1_000, at: 4_000, via: 'lastchange', evidence: { ifLastChange: 123 } };
  it('are agent events, never state changes: a collector that stores EventSchema refuses them', () => {
    expect(HiddenFlapEventSchema.parse(e)).toEqual(e);
    expect(AgentEventSchema.parse(e)).toEqual(e);
    expect(EventSchema.safeParse(e).success).toBe(false);
  });
  it.each([
    [{ since: 5_000 }, 'since: since must not be after at'],
    [{ state: 'up' }, ': Unrecognized key: "state"'],
    [{ via: 'poll' }, 'via: Invalid input: expected "lastchange"'],
    [{ subject: 'sw1/a b' }, 'subject: no white space in a subject id'],
  ])('%j → %s', (patch, message) => {
    const r = HiddenFlapEventSchema.safeParse({ ...e, ...patch });
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([message]);
  });
});
