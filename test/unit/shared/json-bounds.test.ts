/**
 * Frames are bounded in size and depth before JSON.parse, and evidence and
 * host facts after it, without recursion: a value nested 150,000 levels deep
 * is refused, not walked.
 */
import { describe, expect, it } from 'vitest';
import {
  EVIDENCE_BOUNDS, EventSchema, HOST_BOUNDS, HelloSchema, MAX_FRAME_DEPTH, MAX_MESSAGE_BYTES,
  checkFrameBounds, checkJsonBounds, isWireEventFast, withinJsonBounds,
} from '@dcprobe/shared';

const DEEP = 150_000;
const deepText = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
/** A parsed value nested `n` levels deep, built without recursion. */
function deepValue(n: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 1; i < n; i++) { const next = {}; cur.x = next; cur = next; }
  return root;
}
const event = (evidence: unknown) => ({ seq: 1, subject: 'sw1/ge-0/0/1', kind: 'port', state: 'down', at: 1, via: 'poll', evidence });
const hello = (host: unknown) => ({ type: 'hello', v: 1, agentId: 'rack-a', version: '1', host, clock: 0 });

describe('checkJsonBounds (raw text, before JSON.parse)', () => {
  it(`refuses ${DEEP.toLocaleString('en')} levels of nesting, in arrays, objects, text and bytes`, () => {
    const objects = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
    for (const t of [deepText(DEEP), objects]) {
      expect(checkFrameBounds(t)).toBe(`nested deeper than ${MAX_FRAME_DEPTH} levels`);
      expect(checkFrameBounds(Buffer.from(t))).toBe(`nested deeper than ${MAX_FRAME_DEPTH} levels`);
    }
    const frame = `{"type":"events","v":1,"batch":[${JSON.stringify(event({})).slice(0, -3)}${deepText(DEEP, '{"x":', '}')}}]}`;
    expect(checkFrameBounds(frame)).toMatch(/nested deeper/);
  });

  it('accepts exactly the depth limit and counts only real brackets, not those in strings', () => {
    expect(checkJsonBounds(deepText(16), 16, 1e6)).toBeNull();
    expect(checkJsonBounds(deepText(17), 16, 1e6)).toMatch(/deeper than 16/);
    const inStrings = JSON.stringify({ s: '[[[[{{{{'.repeat(100), esc: 'quote \\" then [[[[[[[[[[[[[[[[[[[[', k: ['"]]]]'] });
    expect(checkJsonBounds(inStrings, 3, 1e6)).toBeNull();
    expect(checkJsonBounds(Buffer.from(JSON.stringify({ 'ключ[[[[': '値{{{{{{' })), 1, 1e6)).toBeNull();
  });

  it('refuses more bytes than the bound, counting UTF-8 bytes of text', () => {
    expect(checkFrameBounds('1'.repeat(MAX_MESSAGE_BYTES))).toBeNull();
    expect(checkFrameBounds('1'.repeat(MAX_MESSAGE_BYTES + 1))).toMatch(/larger than/);
    expect(checkJsonBounds('"é"', 4, 3)).toMatch(/larger than 3 bytes/); // 4 bytes, 3 characters
  });
});

describe('withinJsonBounds (parsed values)', () => {
  it(`refuses ${DEEP.toLocaleString('en')} levels without walking them (no stack overflow)`, () => {
    const t = performance.now();
    expect(withinJsonBounds(deepValue(DEEP), EVIDENCE_BOUNDS)).toBe(false);
    expect(withinJsonBounds(JSON.parse(deepText(DEEP)), EVIDENCE_BOUNDS)).toBe(false);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('holds depth, entries and characters at their bounds', () => {
    const b = { depth: 3, entries: 5, chars: 10 };
    expect(withinJsonBounds(deepValue(3), b)).toBe(true);
    expect(withinJsonBounds(deepValue(4), b)).toBe(false);
    expect(withinJsonBounds({ a: [1, 2, 3], b: 1 }, b)).toBe(true); // 2 keys + 3 items
    expect(withinJsonBounds({ a: [1, 2, 3, 4], b: 1 }, b)).toBe(false);
    expect(withinJsonBounds({ a: 'xxxxxxxxx' }, b)).toBe(true); // 1 + 9 characters
    expect(withinJsonBounds({ a: 'xxxxxxxxxx' }, b)).toBe(false);
    expect(withinJsonBounds({ a: [{ b: ['xxxxxxxx'] }] }, { depth: 4, entries: 10, chars: 10 })).toBe(true);
    expect(withinJsonBounds({ a: [{ b: ['xxxxxxxx'] }] }, { depth: 3, entries: 10, chars: 10 })).toBe(false);
  });
});

describe('the schemas hold evidence and host facts to their bounds', () => {
  it('refuses an event whose evidence nests 150,000 levels, in the schema and the fast check alike', () => {
    const e = event(deepValue(DEEP));
    expect(EventSchema.safeParse(e).success).toBe(false);
    expect(isWireEventFast(e)).toBe(false);
    const fine = event({ ifIndex: 3, input: [{ line: 1, voltage: 230 }], status: 'OL' });
    expect(EventSchema.safeParse(fine).success).toBe(true);
    expect(isWireEventFast(fine)).toBe(true);
  });

  it('refuses evidence just past each bound and accepts it at the bound', () => {
    const atDepth = deepValue(EVIDENCE_BOUNDS.depth);
    expect(EventSchema.safeParse(event(atDepth)).success).toBe(true);
    expect(EventSchema.safeParse(event(deepValue(EVIDENCE_BOUNDS.depth + 1))).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: EVIDENCE_BOUNDS.entries + 1 }, (_, i) => [`k${i}`, i]));
    expect(isWireEventFast(event(many))).toBe(false);
    expect(isWireEventFast(event({ blob: 'x'.repeat(EVIDENCE_BOUNDS.chars) }))).toBe(false);
  });

  it('refuses a hello whose host facts nest deeply, and accepts the usual ones', () => {
    expect(HelloSchema.safeParse(hello({ hostname: 'h', extra: deepValue(DEEP) })).success).toBe(false);
    expect(HelloSchema.safeParse(hello({ hostname: 'h', extra: deepValue(HOST_BOUNDS.depth - 1) })).success).toBe(true); // host is level 1
    expect(HelloSchema.safeParse(hello({ hostname: 'h', extra: deepValue(HOST_BOUNDS.depth) })).success).toBe(false);
    expect(HelloSchema.safeParse(hello({ hostname: 'rack-a1', os: 'Debian 12 x64', cpus: 8, memBytes: 2 ** 34 })).success).toBe(true);
  });
});
