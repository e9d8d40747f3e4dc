import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DcprobeError, E } from '@dcprobe/shared';
import { startPoller, POLL_TIMEOUT } from '../../../agent/src/poller.ts';
import type { Poller, PollTarget } from '../../../agent/src/poller.ts';
import { createMetrics } from '../../../agent/src/metrics.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import type { PollContext, Reading } from '../../../agent/src/sources/types.ts';
import type { Trigger } from '../../../agent/src/tracker.ts';
import { sleep } from '../../support/wait.ts';

const reading = (name: string): Reading => ({ subject: `${name}/p1`, kind: 'port', state: 'up', evidence: {} });

function target(name: string, intervalSeconds: number, poll: (ctx: PollContext) => Promise<Reading[]>): PollTarget {
  return { target: { kind: 'fake', name, intervalSeconds }, instance: { poll, close() {} } };
}

let poller: Poller | undefined;
afterEach(async () => { await poller?.close(); poller = undefined; });

interface Seen { target: string; trigger: Trigger }
function collect() {
  const ok: Seen[] = [];
  const failed: { target: string; code: string }[] = [];
  return {
    ok, failed,
    onReadings: (t: string, _r: Reading[], _at: number, trigger: Trigger) => { ok.push({ target: t, trigger }); },
    onFailure: (t: string, e: DcprobeError) => { failed.push({ target: t, code: e.code }); },
  };
}

describe('poller', () => {
  it('never runs more than `concurrency` polls at once, and polls every target', async () => {
    let now = 0, max = 0;
    const c = collect();
    const slow = async () => { now++; max = Math.max(max, now); await sleep(30); now--; return []; };
    const targets = Array.from({ length: 10 }, (_, i) => target(`t${i}`, 0.05, slow));
    poller = startPoller({ targets, concurrency: 3, now: Date.now, log: silentLogger, startSpreadMs: 0, ...c });
    await sleep(400);
    expect(max).toBe(3);
    expect(new Set(c.ok.map((s) => s.target)).size).toBe(10);
  });

  it('a hung target (ignoring its signal) times out and never delays the others', async () => {
    const c = collect();
    const hung = target('hung', 0.05, () => new Promise<Reading[]>(() => {}));
    const fast = target('fast', 0.02, async () => [reading('fast')]);
    poller = startPoller({ targets: [hung, fast], concurrency: 2, now: Date.now, log: silentLogger, timeoutMs: () => 150, startSpreadMs: 0, jitter: 0, ...c });
    await sleep(500);
    const codes = c.failed.filter((f) => f.target === 'hung').map((f) => f.code);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(codes)).toEqual(new Set([POLL_TIMEOUT]));
    // 500 ms at a 20 ms interval: about 25 polls if the hung target never held it up.
    expect(c.ok.filter((s) => s.target === 'fast').length).toBeGreaterThan(15);
  });

  it('a source that honours its signal sees it aborted at the timeout', async () => {
    const c = collect();
    let aborted = false;
    const t = target('t', 10, (ctx) => new Promise((_r, reject) => {
      ctx.signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); });
    }));
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log: silentLogger, timeoutMs: () => 50, startSpreadMs: 0, ...c });
    await sleep(150);
    expect(aborted).toBe(true);
    expect(c.failed).toEqual([{ target: 't', code: POLL_TIMEOUT }]);
  });

  it('logs a failing target once per episode (first failure, recovery), counts every failure', async () => {
    const lines: { level: number; msg: string; target?: string }[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    const metrics = createMetrics({ processMetrics: false });
    let n = 0;
    const t = target('sw1', 0.02, async () => {
      n++;
      if (n <= 5) throw new DcprobeError(E.SNMP_TIMEOUT, 'no response from 10.0.0.1:161 after 2 tries');
      return [reading('sw1')];
    });
    const c = collect();
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log, metrics, startSpreadMs: 0, jitter: 0, ...c });
    await sleep(300);
    expect(n).toBeGreaterThan(6);
    expect(c.failed).toHaveLength(5);
    expect(lines.filter((l) => l.target === 'sw1').map((l) => [l.level, l.msg])).toEqual([
      [40, 'target poll failing: its subjects are unknown until it answers again'],
      [30, 'target answering again'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('dcprobe_agent_poll_errors_total{target="sw1",code="DCP_SNMP_TIMEOUT"} 5');
    expect(text).toMatch(/dcprobe_agent_poll_duration_seconds_count\{target="sw1"\} \d+/);
  });

  it('turns an uncoded throw into a coded failure', async () => {
    const c = collect();
    const t = target('buggy', 10, async () => { throw new TypeError('x is undefined'); });
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log: silentLogger, startSpreadMs: 0, ...c });
    await sleep(50);
    expect(c.failed).toEqual([{ target: 'buggy', code: 'DCP_UNCODED' }]);
  });

  it('triggerPoll runs a confirming poll marked trap, soon, and only for known targets', async () => {
    const c = collect();
    const t = target('sw1', 3600, async () => [reading('sw1')]);
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log: silentLogger, startSpreadMs: 0, minTrapGapMs: 50, ...c });
    await sleep(30);
    expect(c.ok).toEqual([{ target: 'sw1', trigger: 'poll' }]);
    expect(poller.triggerPoll('nope')).toBe(false);
    expect(poller.triggerPoll('sw1')).toBe(true);
    expect(poller.triggerPoll('sw1')).toBe(true); // a burst of traps makes one poll, not two
    await sleep(120);
    expect(c.ok).toEqual([{ target: 'sw1', trigger: 'poll' }, { target: 'sw1', trigger: 'trap' }]);
  });

  it('a trap during a running poll makes one more poll right after it', async () => {
    const c = collect();
    const t = target('sw1', 3600, async () => { await sleep(40); return [reading('sw1')]; });
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log: silentLogger, startSpreadMs: 0, minTrapGapMs: 0, ...c });
    await sleep(10);
    poller.triggerPoll('sw1');
    await sleep(150);
    expect(c.ok).toEqual([{ target: 'sw1', trigger: 'poll' }, { target: 'sw1', trigger: 'trap' }]);
  });

  it('close() aborts in-flight polls and stops scheduling', async () => {
    const c = collect();
    let polls = 0;
    const t = target('t', 0.01, (ctx) => { polls++; return new Promise((_r, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason))); });
    poller = startPoller({ targets: [t], concurrency: 1, now: Date.now, log: silentLogger, startSpreadMs: 0, timeoutMs: () => 10_000, ...c });
    await sleep(20);
    await poller.close();
    const before = polls;
    await sleep(60);
    expect(polls).toBe(before);
    expect(c.failed).toEqual([]); // shutdown is not a target failure
  });
});
