/**
 * The fast checks must never accept what the zod schemas refuse (they stand in
 * front of them on the collector's hot path), and on JSON input they should
 * agree exactly, or the fast path silently stops being taken.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentFrameSchema, EventSchema, HiddenFlapEventSchema, MAX_BATCH_EVENTS, isEventsFrameFast, isHiddenFlapEventFast, isWireEventFast,
} from '@dcprobe/shared';
import { eventJson } from '../../../bench/lib/events.ts';

const port = { seq: 7, subject: 'sw1/ge-0/0/1', kind: 'port', state: 'down', at: 1_780_000_000_000, via: 'trap', evidence: { ifIndex: 501 } };
const power = { seq: 1, subject: 'ups-a/output', kind: 'power', state: 'battery', at: 0, via: 'poll' };
const flap = { seq: 8, subject: 'sw1/ge-0/0/2', kind: 'hidden-flap', since: 1_780_000_000_000, at: 1_780_000_003_000, via: 'lastchange', evidence: { ifLastChange: 4_200 } };
const flapBare = { seq: 3, subject: 'sw1/MS%20TCP', kind: 'hidden-flap', since: 0, at: 0, via: 'lastchange' };

/** Values that probe every check: types, bounds, white space, lengths, the other kind's states. */
const PROBES: unknown[] = [
  undefined, null, true, 0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.MAX_VALUE, '', ' ', 'a b', 'a\u00a0b', 'a\tb',
  'x'.repeat(200), 'x'.repeat(201), 'port', 'power', 'up', 'down', 'unknown', 'mains', 'battery', 'bypass', 'off',
  'poll', 'trap', 'lastchange', 'gap', 'resync', 'UP', 'sideways', 'hidden-flap', 1_780_000_003_001, 1_779_999_999_999, [], [1], {}, { k: 1 }, { ['k'.repeat(101)]: 1 },
  { ['k'.repeat(100)]: 1 }, { nested: { deep: [1, 2] } },
];

function* mutations(base: Record<string, unknown>): Generator<unknown> {
  yield base;
  for (const key of [...Object.keys(base), 'evidence', 'extra', '__proto__']) {
    const { [key]: _, ...without } = base;
    yield without;
    // Built by JSON, as the wire does, so '__proto__' is an own key like any other.
    for (const v of PROBES) yield JSON.parse(JSON.stringify({ ...without, [key]: v }) ?? 'null');
  }
}

function agree(value: unknown, fast: (v: unknown) => boolean, schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }): void {
  const r = schema.safeParse(value);
  const f = fast(value);
  // Never accept what the schema refuses, and hand on the same event the schema would.
  if (f) { expect(r.success, JSON.stringify(value)).toBe(true); expect(value).toEqual(r.data); }
  // On JSON input, refuse nothing the schema accepts.
  expect(f, JSON.stringify(value)).toBe(r.success);
}

describe('isWireEventFast', () => {
  it('accepts the events agents send, as they arrive', () => {
    expect(isWireEventFast(port)).toBe(true);
    expect(isWireEventFast(power)).toBe(true);
    expect(isWireEventFast(JSON.parse(eventJson(3, 17)))).toBe(true);
  });

  it('agrees with EventSchema on every mutation of a port and a power event', () => {
    let n = 0;
    for (const base of [port, power]) for (const m of mutations(base)) { agree(m, isWireEventFast, EventSchema); n++; }
    expect(n).toBeGreaterThan(600);
  });

  it('agrees on values that are not objects, or objects that JSON does not make', () => {
    for (const v of [...PROBES, Object.create(null), Object.assign(Object.create({ seq: 1 }), { ...port })]) {
      if (isWireEventFast(v)) expect(EventSchema.safeParse(v).success).toBe(true);
    }
    expect(isWireEventFast(Object.assign(Object.create(null), port))).toBe(false); // left to zod
  });
});

describe('isHiddenFlapEventFast', () => {
  it('accepts hidden-flap events, and no state change', () => {
    expect(isHiddenFlapEventFast(flap)).toBe(true);
    expect(isHiddenFlapEventFast(flapBare)).toBe(true);
    expect(isHiddenFlapEventFast(port)).toBe(false);
    expect(isWireEventFast(flap)).toBe(false);
  });

  it('agrees with HiddenFlapEventSchema on every mutation', () => {
    let n = 0;
    for (const base of [flap, flapBare]) for (const m of mutations(base)) { agree(m, isHiddenFlapEventFast, HiddenFlapEventSchema); n++; }
    expect(n).toBeGreaterThan(600);
  });
});

describe('isEventsFrameFast', () => {
  const frame = { type: 'events', v: 1, batch: [port] };
  it('accepts an events frame and refuses the rest, as AgentFrameSchema does', () => {
    expect(isEventsFrameFast(frame)).toBe(true);
    let n = 0;
    for (const m of mutations(frame)) { agree(m, isEventsFrameFast, { safeParse: (v) => eventsOnly(v) }); n++; }
    for (const size of [0, 1, MAX_BATCH_EVENTS, MAX_BATCH_EVENTS + 1]) {
      agree({ ...frame, batch: Array.from({ length: size }, () => 'anything') }, isEventsFrameFast, { safeParse: (v) => eventsOnly(v) });
    }
    expect(n).toBeGreaterThan(150);
  });

  it('leaves hello and heartbeat frames to the schema', () => {
    expect(isEventsFrameFast({ type: 'heartbeat', v: 1, clock: 1 })).toBe(false);
    expect(isEventsFrameFast({ type: 'hello', v: 1, agentId: 'a', version: '1', host: {}, clock: 1 })).toBe(false);
  });
});

/** AgentFrameSchema restricted to what the fast check answers for: a valid events frame. */
function eventsOnly(v: unknown): { success: boolean; data?: unknown } {
  const r = AgentFrameSchema.safeParse(v);
  return r.success && r.data.type === 'events' ? r : { success: false };
}
