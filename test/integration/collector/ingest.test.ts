import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '@dcprobe/shared';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep } from '../../support/wait.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);

describe('collector ingest over a real WebSocket and a real SQLite file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: CollectorHandle;
  beforeEach(async () => { tmp = tempDir(); c = await collector(tmp.dir); });
  afterEach(async () => { await c.close(); tmp.cleanup(); });

  const metric = async (name: string, labels: string) => {
    const line = (await c.metricsText()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(' ').pop()) : undefined;
  };

  it('refuses an unknown token with a clear close reason, logs nothing secret and counts it', async () => {
    const a = await TestAgent.connect(c.wsUrl, 'not-a-real-token-at-all');
    const closed = await a.whenClosed();
    expect(closed).toEqual({ code: 4401, reason: 'unknown or wrong agent token' });
    const b = await TestAgent.connect(c.wsUrl, null);
    expect((await b.whenClosed()).reason).toBe('missing agent token');
    expect(await metric('dcprobe_collector_agent_auth_failures_total', 'reason="bad_token"')).toBe(1);
    expect(await metric('dcprobe_collector_agent_auth_failures_total', 'reason="no_token"')).toBe(1);
    expect(await c.metricsText()).not.toContain('not-a-real-token');
  });

  it('refuses a hello that names another agent than its token', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    a.send({ type: 'hello', v: PROTOCOL_VERSION, agentId: 'rack-b2', version: 't', host: {}, clock: Date.now() });
    expect((await a.whenClosed()).code).toBe(4401);
  });

  it('commits, acks, ignores duplicates and replays, and tells a reconnecting agent what it has', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    expect((await a.hello('rack-a1')).committedSeq).toBe(0);
    const batch = [portEvent(1, 'up', T0), portEvent(2, 'down', T0 + 60_000), portEvent(3, 'up', T0 + 120_000)];
    expect((await a.events(batch)).seq).toBe(3);
    expect((await a.events([batch[1], batch[2]])).seq).toBe(3); // replay
    a.close();
    const b = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    expect((await b.hello('rack-a1')).committedSeq).toBe(3);
    expect((await b.events([...batch, portEvent(4, 'down', T0 + 180_000)])).seq).toBe(4);
    expect(await rows(c, 'SELECT seq, state FROM observations WHERE agent_id = ? ORDER BY seq', 'rack-a1'))
      .toEqual([{ seq: 1, state: 'up' }, { seq: 2, state: 'down' }, { seq: 3, state: 'up' }, { seq: 4, state: 'down' }]);
    expect(await metric('dcprobe_collector_events_ingested_total', 'outcome="accepted"')).toBe(4);
    expect(await metric('dcprobe_collector_events_ingested_total', 'outcome="duplicate"')).toBe(5);
    expect(await metric('dcprobe_port_up', 'device="sw1",port="ge-0/0/1",customer="cust-a"')).toBe(0);
  });

  it('acks only the contiguous prefix across a gap in seq, and moves on once the hole fills', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    const gap = a.next('error', (f) => f.code === 'SEQ_GAP');
    expect((await a.events([portEvent(1, 'up', T0), portEvent(2, 'down', T0 + 1), portEvent(4, 'down', T0 + 3, 'sw1/ge-0/0/2')])).seq).toBe(2);
    expect((await gap).missing).toEqual({ from: 3, to: 3 });
    expect((await a.events([portEvent(3, 'up', T0 + 2)])).seq).toBe(4);
  });

  it('rejects malformed and oversized frames with an error frame, counts them, and keeps the valid events', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    const notHello = a.next('error', (f) => f.code === 'NOT_HELLO');
    a.send({ type: 'events', v: PROTOCOL_VERSION, batch: [portEvent(1, 'up', T0)] });
    await notHello;
    await a.hello('rack-a1');
    const badJson = a.next('error', (f) => f.code === 'BAD_JSON');
    a.send('{"type": "events", ');
    await badJson;
    const badMsg = a.next('error', (f) => f.code === 'BAD_MESSAGE');
    a.send({ type: 'launch', v: 1 });
    await badMsg;
    const tooLarge = a.next('error', (f) => f.code === 'TOO_LARGE');
    a.send({ type: 'events', v: PROTOCOL_VERSION, batch: [{ ...portEvent(1, 'up', T0), evidence: { pad: 'x'.repeat(MAX_MESSAGE_BYTES + 10) } }] });
    await tooLarge;
    const badEvent = a.next('error', (f) => f.code === 'BAD_EVENT');
    const ack = await a.events([portEvent(1, 'up', T0), { ...portEvent(2, 'up', T0 + 1), state: 'sideways' }, portEvent(3, 'down', T0 + 2)]);
    expect((await badEvent).seq).toBe(2);
    expect(ack.seq).toBe(3); // the rejected event is quarantined, so its seq does not block the ack
    expect((await rows(c, 'SELECT seq FROM observations ORDER BY seq')).map((r) => r.seq)).toEqual([1, 3]);
    const q = await rows(c, 'SELECT seq, reason, raw FROM rejected_events');
    expect(q).toHaveLength(1);
    expect(q[0].reason).toMatch(/^batch\[1\]: state/);
    expect(JSON.parse(q[0].raw).state).toBe('sideways');
    expect(await metric('dcprobe_collector_events_ingested_total', 'outcome="rejected"')).toBe(1);
    expect(await metric('dcprobe_collector_frames_total', 'outcome="too_large"')).toBe(1);
    expect(await metric('dcprobe_collector_frames_total', 'outcome="bad_json"')).toBe(1);
    expect(a.closed).toBeNull();
  });

  it('serves /healthz and /metrics over HTTP', async () => {
    const h = await fetch(`${c.url}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`${c.url}/metrics`)).text();
    expect(m).toContain('# TYPE dcprobe_collector_events_ingested_total counter');
    expect((await fetch(`${c.url}/nope`)).status).toBe(404);
  });
});

describe('agent liveness', () => {
  // While the collector is down it hears nobody: that is not the agents falling silent.
  // Silence counts from the later of an agent's last sign of life and the collector's start.
  it('a restarted collector gives each agent a heartbeat timeout to return before it opens a gap', async () => {
    const tmp = tempDir();
    const opts = { heartbeatTimeoutSeconds: 2 };
    let c = await collector(tmp.dir, opts);
    try {
      for (const id of ['rack-a1', 'rack-b2'] as const) {
        const a = await TestAgent.connect(c.wsUrl, TOKENS[id]);
        await a.hello(id);
        await a.events([portEvent(1, 'up', Date.now() - 1000, `${id}/ge-0/0/1`)]);
        a.close();
      }
      await c.close();
      await sleep(2500); // down for longer than the timeout
      c = await collector(tmp.dir, opts);
      const started = Date.now();
      await sleep(1200); // past the liveness timer's first ticks, inside the timeout
      const back = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await back.hello('rack-a1');
      expect(await rows(c, 'SELECT agent_id FROM agent_gaps')).toEqual([]);
      // rack-b2 never returns: its gap opens once the timeout has run from the start,
      // and dates from its last sign of life before the restart.
      await sleep(Math.max(0, started + 2600 - Date.now()));
      const gaps = await rows(c, 'SELECT agent_id, start FROM agent_gaps');
      expect(gaps.map((g) => g.agent_id)).toEqual(['rack-b2']);
      expect(gaps[0].start).toBeLessThan(started - 2500);
      back.close();
    } finally {
      await c.close();
      tmp.cleanup();
    }
  });

  it('turns a silent agent\'s subjects unknown from its last heartbeat, and closes the gap when it returns', async () => {
    const tmp = tempDir();
    const c = await collector(tmp.dir, { heartbeatTimeoutSeconds: 0.3 });
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      await a.events([portEvent(1, 'up', Date.now() - 1000)]);
      const lastHeard = Date.now();
      await sleep(900);
      const gap = await rows(c, `SELECT state, at, via FROM observations WHERE via = 'gap'`);
      expect(gap).toHaveLength(1);
      expect(gap[0].state).toBe('unknown');
      expect(Math.abs(gap[0].at - lastHeard)).toBeLessThan(200);
      expect(await rows(c, 'SELECT reason, end FROM agent_gaps')).toEqual([{ reason: 'silent', end: null }]);
      expect((await c.metricsText())).not.toMatch(/^dcprobe_port_up\{/m); // absent while unknown
      a.close();
      const b = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await b.hello('rack-a1', { states: [{ subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', since: Date.now() - 1000 }] });
      expect(await rows(c, `SELECT state FROM observations WHERE via = 'resync'`)).toEqual([{ state: 'up' }]);
      expect(await rows(c, 'SELECT end IS NOT NULL closed FROM agent_gaps')).toEqual([{ closed: 1 }]);
      b.close();
    } finally {
      await c.close();
      tmp.cleanup();
    }
  });

  it('tells agents the time of its injected clock, in the welcome and in heartbeats', async () => {
    const tmp = tempDir();
    const T = Date.UTC(2030, 0, 2, 3, 4, 5);
    const c = await collector(tmp.dir, {}, { now: () => T });
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      expect((await a.hello('rack-a1', { clock: T })).serverTime).toBe(T);
      const beat = a.next('heartbeat');
      a.send({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: T });
      expect((await beat).clock).toBe(T);
      a.close();
    } finally { await c.close(); tmp.cleanup(); }
  });

  it('flags an agent whose clock is off', async () => {
    const tmp = tempDir();
    const c = await collector(tmp.dir);
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-b2']);
      await a.hello('rack-b2', { clock: Date.now() - 60_000 });
      const text = await c.metricsText();
      expect(text).toMatch(/dcprobe_agent_clock_skewed\{agent="rack-b2"\} 1/);
      expect(Number(/dcprobe_agent_clock_offset_seconds\{agent="rack-b2"\} (\S+)/.exec(text)![1])).toBeGreaterThan(59);
      a.close();
    } finally { await c.close(); tmp.cleanup(); }
  });
});
