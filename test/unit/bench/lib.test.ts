/**
 * The bench's own arithmetic and data: if these drift, every figure in
 * docs/benchmarks.md drifts with them.
 */
import { describe, expect, it } from 'vitest';
import { AgentFrameSchema, EventSchema } from '@dcprobe/shared';
import { percentile } from '../../../bench/lib/measure.ts';
import { eventJson, eventObject, eventsFrame } from '../../../bench/lib/events.ts';
import { fmtInt, renderMarkdown, renderText } from '../../../bench/lib/table.ts';
import { lessStartups } from '../../../bench/lib/snmp-ref.ts';
import { unitEnvironment } from '../../../bench/lib/snmp-bundle.ts';

describe('percentile (nearest rank)', () => {
  const oneToHundred = () => Array.from({ length: 100 }, (_, i) => 100 - i);
  it.each([[50, 50], [99, 99], [100, 100], [1, 1], [0, 1]])('p%d of 1..100 is %d', (p, want) => {
    expect(percentile(oneToHundred(), p)).toBe(want);
  });
  it('is NaN for an empty sample', () => expect(percentile([], 50)).toBeNaN());
  it('takes the lower of two for the median of an even sample (nearest rank, no interpolation)', () => expect(percentile([10, 20], 50)).toBe(10));
});

describe('bench events', () => {
  it.each([[0, 1], [0, 192], [0, 193], [7, 385], [49, 123_456]])('agent %d seq %d: template JSON is JSON.stringify of the row', (agent, seq) => {
    expect(eventJson(agent, seq)).toBe(JSON.stringify(eventObject(agent, seq)));
  });
  it('are valid protocol events, alternating down then up per port', () => {
    const first = EventSchema.parse(JSON.parse(eventJson(3, 5)));
    const again = EventSchema.parse(JSON.parse(eventJson(3, 5 + 192)));
    expect(first).toMatchObject({ subject: 'r3-sw1/ge-0/0/4', state: 'down' });
    expect(again).toMatchObject({ subject: 'r3-sw1/ge-0/0/4', state: 'up' });
  });
  it('frames a batch the collector accepts, seqs consecutive', () => {
    const f = AgentFrameSchema.parse(JSON.parse(eventsFrame(2, 101, 100)));
    expect(f.type).toBe('events');
    const seqs = (f as { batch: { seq: number }[] }).batch.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => 101 + i));
  });
});

describe('tables', () => {
  const t = { title: 'T', columns: ['name', 'rate'], rows: [['a | b', fmtInt(1234567)], ['c', null]], notes: ['n'] };
  it('right-aligns figures in text', () => {
    const lines = renderText(t).split('\n');
    expect(lines[3]).toBe('a | b  1,234,567');
    expect(lines[4]).toBe('c              –');
    expect(lines[5]).toBe('  n');
  });
  it('escapes pipes in Markdown cells', () => {
    expect(renderMarkdown(t)).toContain('| a \\| b | 1,234,567 |');
  });
});

describe('CLI work less process start-ups', () => {
  it('takes off one start-up per process: a one-varbind snmpget less the same GET in process (medians)', () => {
    // start-up = 20 − 5 = 15 ms; chain median 100 − 3 × 15 = 55 ms.
    expect(lessStartups([100, 90, 130], 3, [20, 19, 40], [5, 4, 6])).toEqual({ startupMs: 15, netMs: 55 });
  });
  it('does not take the server\'s answer time off as start-up', () => {
    // A slow server: a GET answers in 30 ms in process and 42 ms from the CLI, so start-up is 12, not 42.
    expect(lessStartups([200], 4, [42], [30]).netMs).toBe(200 - 4 * 12);
  });
  it('leaves its inputs in their order (the same samples feed other rows)', () => {
    const chain = [3, 1, 2];
    lessStartups(chain, 1, [2, 1], [1, 0]);
    expect(chain).toEqual([3, 1, 2]);
  });
});

describe('unitEnvironment', () => {
  it('reads the Environment= lines of the agent\'s unit, and a variable the bench sets wins', () => {
    expect(unitEnvironment()).toMatchObject({ MALLOC_ARENA_MAX: '2' });
    expect(unitEnvironment('[Service]\nEnvironment=A_B=1\n# Environment=C=2\nExecStart=/x\n')).toEqual({ A_B: '1' });
    process.env.DCPROBE_TEST_UNIT_ENV = 'mine';
    try {
      expect(unitEnvironment('Environment=DCPROBE_TEST_UNIT_ENV=unit\n')).toEqual({});
    } finally {
      delete process.env.DCPROBE_TEST_UNIT_ENV;
    }
  });
});
