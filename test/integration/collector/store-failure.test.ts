/**
 * The collector's store on a real full disk (a small tmpfs): commits fail
 * with SQLITE_FULL. Nothing is acked, the process keeps running (sessions and
 * the liveness sweep catch every failure), the failure is logged a bounded
 * number of times, agents are closed with 1011 and get no welcome while their
 * hello cannot be stored (they back off instead of resending at once), and /healthz answers
 * 503. Once space is back, the same events are committed and acked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CLOSE, PROTOCOL_VERSION } from '@dcprobe/shared';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { makeLogger } from '../../../collector/src/log.ts';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { tempDir } from '../../support/temp.ts';

const NOW = Date.now();
/** Events with ~16 KB of evidence each, so a few frames need pages the full disk does not have. */
const bulky = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({
  ...portEvent(from + i, (from + i) % 2 ? 'down' : 'up', NOW - 60_000 + from + i), evidence: { pad: 'x'.repeat(16_000) },
}));

describe('collector store on a full disk', () => {
  let disk: Tmpfs;
  let c: CollectorHandle | undefined;
  const lines: string[] = [];
  beforeEach(async () => { disk = await mountTmpfs(24 * 1024 * 1024); });
  afterEach(async () => { await c?.close().catch(() => {}); c = undefined; await disk.unmount(); });

  it('withholds acks, stays up, logs a bounded number of lines, tells agents to back off, and answers /healthz 503 until space is back', async () => {
    const log = makeLogger('info', { write: (l: string) => { lines.push(l); } });
    c = await collector(disk.dir, { database: join(disk.dir, 'dcprobe.sqlite'), heartbeatTimeoutSeconds: 0.5 }, { log });
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    expect((await a.events([portEvent(1, 'up', NOW - 120_000)])).seq).toBe(1);
    await disk.fill();

    // Frames until the collector gives up on this connection (bounded: 40 frames of ~800 KB).
    let frames = 0;
    for (; frames < 40 && !a.closed; frames++) {
      a.send({ type: 'events', v: PROTOCOL_VERSION, batch: bulky(2 + frames * 50, 50) });
      await sleep(50);
    }
    const closed = await a.whenClosed(10_000);
    expect(closed.code).toBe(CLOSE.INTERNAL);
    expect(a.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq)).toEqual([1]);
    const health = await fetch(`${c.url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { problems: string[] }).problems.join()).toContain('ingest commits failing');

    // A reconnect gets no welcome while its hello cannot be stored: it is answered with 1011.
    const again = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    again.send({ type: 'hello', v: PROTOCOL_VERSION, agentId: 'rack-a1', version: 't', host: {}, clock: Date.now() });
    expect((await again.whenClosed()).code).toBe(CLOSE.INTERNAL);
    expect(again.frames.some((f) => f.type === 'welcome')).toBe(false);

    await sleep(1500); // liveness sweeps (timeout 0.5 s) run against the full disk meanwhile
    expect(lines.filter((l) => l.includes('commit failed')).length).toBeLessThanOrEqual(1);

    await disk.free();
    const back = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await back.hello('rack-a1');
    expect((await back.events(bulky(2, 20), 21)).seq).toBe(21);
    await waitUntil('/healthz ok again', async () => (await fetch(`${c!.url}/healthz`)).status === 200);
    expect(await rows(c, 'SELECT count(*) n FROM observations WHERE agent_id = ? AND seq IS NOT NULL', 'rack-a1')).toEqual([{ n: 21 }]);
    back.close();
  });
});

describe('collector projection that makes no progress', () => {
  it('answers /healthz 503 once acked events have waited past the bound, and 200 once they are readable', async () => {
    const tmp = tempDir();
    const c = await collector(tmp.dir, {}, { faults: { holdProjection: true }, projectionStuckMs: 400 });
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      await a.events([portEvent(1, 'up', NOW - 1000)]);
      expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
      const stuck = await waitUntil('/healthz 503', async () => {
        const r = await fetch(`${c.url}/healthz`);
        return r.status === 503 && (await r.json()) as { problems: string[] };
      }, { timeoutMs: 5000 });
      expect(stuck.problems.join()).toContain('projection stuck: 1 acked events');
      await c.settled(); // a read makes the held journal readable
      await waitUntil('/healthz 200', async () => (await fetch(`${c.url}/healthz`)).status === 200, { timeoutMs: 5000 });
      a.close();
    } finally { await c.close(); tmp.cleanup(); }
  });
});
