/**
 * What an authenticated agent may write: only its own subjects (first
 * reporter, or the config's devices), `at` within the clock-skew allowance and
 * the history horizon, a bounded number of subjects, and no held seq with
 * other content. Refused events are acked (the agent does not resend them),
 * kept as rejected events and counted by reason; they change no observation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { waitUntil } from '../../support/wait.ts';

const NOW = Date.now();
const P1 = 'sw1/ge-0/0/1';

describe('admission of agent events', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const f of cleanups.splice(0).reverse()) await f(); });

  async function start(extra: Record<string, unknown> = {}): Promise<CollectorHandle> {
    const tmp = tempDir();
    const c = await collector(tmp.dir, extra);
    cleanups.push(() => tmp.cleanup(), () => c.close());
    return c;
  }
  async function agent(c: CollectorHandle, id: keyof typeof TOKENS): Promise<TestAgent> {
    const a = await TestAgent.connect(c.wsUrl, TOKENS[id]);
    cleanups.push(() => a.close());
    await a.hello(id);
    return a;
  }
  const refused = async (c: CollectorHandle, reason: string) => {
    const line = (await c.metricsText()).split('\n').find((l) => l.startsWith(`dcprobe_collector_events_refused_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it("refuses another agent's events for a subject the first agent reported, and keeps them as rejected events", async () => {
    const c = await start();
    const a = await agent(c, 'rack-a1');
    const b = await agent(c, 'rack-b2');
    await a.events([portEvent(1, 'up', NOW - 60_000)]);
    const bad = b.next('error', (f) => f.code === 'BAD_EVENT');
    expect((await b.events([portEvent(1, 'down', NOW - 50_000), portEvent(2, 'up', NOW - 50_000, 'sw9/ge-0/0/1')])).seq).toBe(2);
    expect((await bad).message).toMatch(/^foreign_subject: /);
    expect(await rows(c, 'SELECT subject, agent_id agent, state FROM observations ORDER BY id')).toEqual([
      { subject: P1, agent: 'rack-a1', state: 'up' }, { subject: 'sw9/ge-0/0/1', agent: 'rack-b2', state: 'up' },
    ]);
    expect(await rows(c, 'SELECT agent_id agent, seq FROM rejected_events')).toEqual([{ agent: 'rack-b2', seq: 1 }]);
    expect(await refused(c, 'foreign_subject')).toBe(1);
  });

  it("keeps a subject its owner's after a restart, and refuses a hello's states for another agent's subjects", async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    let c = await collector(tmp.dir, { heartbeatTimeoutSeconds: 0.3 });
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    await a.events([portEvent(1, 'up', NOW - 60_000)]);
    a.close();
    await c.close();
    c = await collector(tmp.dir, { heartbeatTimeoutSeconds: 0.3 });
    cleanups.push(() => c.close());
    const b = await TestAgent.connect(c.wsUrl, TOKENS['rack-b2']);
    cleanups.push(() => b.close());
    await b.hello('rack-b2');
    expect((await b.events([portEvent(1, 'down', NOW - 50_000), portEvent(2, 'up', NOW - 50_000, 'sw9/ge-0/0/1')])).seq).toBe(2);
    await waitUntil('rack-b2 silent past its timeout', async () => (await rows(c, `SELECT 1 FROM agent_gaps WHERE agent_id = 'rack-b2'`)).length > 0);
    // Back from its gap, its hello's states are written as resync observations: its own only.
    await b.hello('rack-b2', { states: [P1, 'sw9/ge-0/0/1'].map((subject) => ({ subject, kind: 'port', state: 'down', since: NOW - 1000 })) });
    expect(await rows(c, `SELECT subject, agent_id agent FROM observations WHERE via = 'resync'`)).toEqual([{ subject: 'sw9/ge-0/0/1', agent: 'rack-b2' }]);
    expect(await rows(c, `SELECT DISTINCT agent_id agent FROM observations WHERE subject = ?`, P1)).toEqual([{ agent: 'rack-a1' }]);
  });

  it("refuses events for a device the config gives to another agent, even before that agent reported it", async () => {
    const c = await start({ agents: Object.entries(TOKENS).map(([id, token]) => ({ id, token, ...(id === 'rack-a1' ? { devices: ['sw1'] } : {}) })) });
    const b = await agent(c, 'rack-b2');
    const bad = b.next('error', (f) => f.code === 'BAD_EVENT');
    await b.events([portEvent(1, 'down', NOW - 1000)]);
    expect((await bad).message).toMatch(/^foreign_subject: /);
    expect(await rows(c, 'SELECT count(*) n FROM observations')).toEqual([{ n: 0 }]);
  });

  it('refuses an event dated 2100 and one before the history horizon, and accepts one within the clock-skew allowance', async () => {
    const c = await start({ limits: { eventClockSkewSeconds: 60, historyDays: 30 } });
    const a = await agent(c, 'rack-a1');
    const errors: string[] = [];
    a.ws.on('message', (d) => { const f = JSON.parse(d.toString()); if (f.code === 'BAD_EVENT') errors.push(f.message.split(':')[0]); });
    expect((await a.events([
      portEvent(1, 'down', Date.UTC(2100, 0, 1)), portEvent(2, 'down', Date.now() - 31 * 86_400_000), portEvent(3, 'up', Date.now() + 30_000),
    ])).seq).toBe(3);
    expect(errors).toEqual(['future', 'too_old']);
    expect(await rows(c, 'SELECT seq FROM observations')).toEqual([{ seq: 3 }]);
    expect(await rows(c, 'SELECT seq FROM rejected_events ORDER BY seq')).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect([await refused(c, 'future'), await refused(c, 'too_old')]).toEqual([1, 1]);
  });

  it('caps the subjects one agent may report, counting the ones over the cap', async () => {
    const c = await start({ limits: { subjectsPerAgent: 3 } });
    const a = await agent(c, 'rack-a1');
    const batch = Array.from({ length: 6 }, (_, i) => portEvent(i + 1, 'up', NOW - 1000, `sw1/ge-0/0/${i + 1}`));
    expect((await a.events(batch)).seq).toBe(6);
    expect((await a.events([portEvent(7, 'down', NOW - 500, 'sw1/ge-0/0/2')])).seq).toBe(7); // its own subjects still count
    expect(await rows(c, 'SELECT count(DISTINCT subject) n FROM observations')).toEqual([{ n: 3 }]);
    expect(await refused(c, 'subject_cap')).toBe(3);
  });

  it('refuses a held seq sent again with other content, and takes an identical resend as a duplicate', async () => {
    const c = await start();
    const a = await agent(c, 'rack-a1');
    await a.events([portEvent(1, 'up', NOW - 2000), portEvent(2, 'down', NOW - 1000)]);
    const bad = a.next('error', (f) => f.code === 'BAD_EVENT');
    expect((await a.events([portEvent(1, 'up', NOW - 2000), portEvent(2, 'up', NOW - 1000)])).seq).toBe(2);
    expect((await bad).message).toMatch(/^seq_conflict: /);
    expect(await rows(c, 'SELECT seq, state FROM observations ORDER BY seq')).toEqual([{ seq: 1, state: 'up' }, { seq: 2, state: 'down' }]);
    const kept = await rows(c, 'SELECT seq, raw FROM rejected_events');
    expect(kept).toHaveLength(1);
    expect(JSON.parse(kept[0].raw)).toMatchObject({ seq: 2, state: 'up' });
    expect(await refused(c, 'seq_conflict')).toBe(1);
  });
});
