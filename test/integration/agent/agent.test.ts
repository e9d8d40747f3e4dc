/**
 * The whole agent (startAgent) against a strict fake collector: scripted
 * device states through a fake source kind, real outbox files, real ws.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { DcprobeError, E } from '@dcprobe/shared';
import type { WireEvent } from '@dcprobe/shared';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent } from '../../../agent/src/agent.ts';
import type { AgentHandle } from '../../../agent/src/agent.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import type { Reading, SourceKind, TargetBase } from '../../../agent/src/sources/index.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { newStore, startFakeCollector } from './link-fake-collector.ts';
import type { FakeCollector, FakeStore } from './link-fake-collector.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';
import { sleep, until } from '../../support/wait.ts';

const TOKEN = 'agent-token-0123456789abcdef';
/** A device whose port states the test sets; `failing` makes every poll throw like an unreachable switch. */
const device = { states: new Map<string, Reading['state']>(), failing: false };
const fakeKind: SourceKind<TargetBase> = {
  kind: 'fake-switch',
  schema: z.strictObject({ kind: z.literal('fake-switch'), name: z.string(), intervalSeconds: z.number().default(0.03) }),
  open: (t) => ({
    async poll() {
      if (device.failing) throw new DcprobeError(E.SNMP_TIMEOUT, 'no response from 192.0.2.1:161 after 2 tries');
      return [...device.states].map(([port, state]): Reading => ({ subject: `${t.name}/${port}`, kind: 'port', state, evidence: { ifOperStatus: state } }));
    },
    close() {},
  }),
};
/** The product's kinds and this test's own, for buildConfig and startAgent alike. */
const KINDS = { ...SOURCES, [fakeKind.kind]: fakeKind };

let dir: string;
let tmp: TempDir;
let agents: AgentHandle[] = [];
let collectors: FakeCollector[] = [];

beforeEach(async () => {
  tmp = tempDir('dcp-agent-');
  dir = tmp.dir;
  device.states = new Map([['p1', 'up'], ['p2', 'up'], ['p3', 'down']]);
  device.failing = false;
});
afterEach(async () => {
  for (const a of agents) await a.close();
  for (const c of collectors) await c.close();
  agents = []; collectors = [];
  tmp.cleanup();
});

async function collector(o: Partial<Parameters<typeof startFakeCollector>[0]> = {}) {
  const c = await startFakeCollector({ token: TOKEN, ...o });
  collectors.push(c);
  return c;
}

async function agent(url: string, extra: Record<string, unknown> = {}, log = silentLogger) {
  const config = buildConfig({
    agentId: 'rack-a', collectors: [url], token: TOKEN, dataDir: join(dir, 'data'), heartbeatSeconds: 1,
    targets: [{ kind: 'fake-switch', name: 'sw1' }], ...extra,
  }, undefined, KINDS);
  const a = await startAgent(config, { log, processMetrics: false, sources: KINDS, link: { backoff: { minMs: 20, maxMs: 200 } } });
  agents.push(a);
  return a;
}

const events = (s: FakeStore) => [...s.events.values()].sort((a, b) => a.seq - b.seq);
const of = (s: FakeStore, subject: string) => events(s).filter((e) => e.subject === subject).map((e) => e.state);

describe('agent (startAgent) ↔ collector', () => {
  it('sends the initial states, then only changes, and exports its self-metrics', async () => {
    const c = await collector();
    const a = await agent(c.url, { metrics: { listen: '127.0.0.1:0' } });
    await until(() => c.store.events.size === 3, 5_000, 'initial states');
    expect(events(c.store).map((e) => [e.subject, e.state, e.via])).toEqual(expect.arrayContaining([
      ['sw1/p1', 'up', 'poll'], ['sw1/p2', 'up', 'poll'], ['sw1/p3', 'down', 'poll'],
    ]));
    await sleep(200); // several more polls, no change
    expect(c.store.events.size).toBe(3);
    device.states.set('p2', 'down');
    await until(() => c.store.events.size === 4, 5_000, 'the change');
    expect(events(c.store)[3]).toMatchObject({ seq: 4, subject: 'sw1/p2', state: 'down', via: 'poll' });
    expect(c.store.violations).toEqual([]);

    const res = await fetch(`http://127.0.0.1:${a.metricsServer!.port}/metrics`);
    const text = await res.text();
    expect(text).toContain('dcprobe_agent_events_total{via="poll"} 4');
    expect(text).toContain('dcprobe_agent_link_connected 1');
    expect(text).toMatch(/dcprobe_agent_outbox_events 0/);
    expect(text).toMatch(/dcprobe_agent_poll_duration_seconds_count\{target="sw1"\} \d+/);
    expect(text).toContain('dcprobe_agent_outbox_bound_ratio 0');
    expect(text).not.toContain(TOKEN);
  });

  it('an unreachable device makes its subjects unknown (never down), logged once per episode', async () => {
    const c = await collector();
    const lines: { level: number; msg: string; target?: string }[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    await agent(c.url, {}, log);
    await until(() => c.store.events.size === 3, 5_000, 'initial states');
    device.failing = true;
    await until(() => c.store.events.size === 6, 5_000, 'unknowns');
    await sleep(200); // many failing polls
    device.failing = false;
    await until(() => c.store.events.size === 9, 5_000, 'recovery');
    expect(of(c.store, 'sw1/p1')).toEqual(['up', 'unknown', 'up']);
    expect(of(c.store, 'sw1/p3')).toEqual(['down', 'unknown', 'down']);
    expect(events(c.store)[3]!.evidence).toMatchObject({ error: E.SNMP_TIMEOUT });
    const polls = lines.filter((l) => l.target === 'sw1' && /target (poll failing|answering again)/.test(l.msg)).map((l) => l.msg);
    expect(polls).toEqual(['target poll failing: its subjects are unknown until it answers again', 'target answering again']);
  });

  it('a subject its target stops reporting becomes unknown, once', async () => {
    const c = await collector();
    await agent(c.url);
    await until(() => c.store.events.size === 3, 5_000, 'initial states');
    device.states.delete('p3');
    await until(() => c.store.events.size === 4, 5_000, 'p3 unknown');
    await sleep(150);
    expect(c.store.events.size).toBe(4);
    expect(of(c.store, 'sw1/p3')).toEqual(['down', 'unknown']);
    device.states.set('p3', 'up');
    await until(() => c.store.events.size === 5, 5_000, 'p3 back');
    expect(of(c.store, 'sw1/p3')).toEqual(['down', 'unknown', 'up']);
  });

  it('through a collector outage and an agent restart: nothing lost, nothing doubled', async () => {
    const store = newStore();
    let c = await collector({ store });
    const port = c.port;
    let a = await agent(c.url);
    await until(() => store.events.size === 3, 5_000, 'initial states');
    await c.close();
    // Changes while the collector is away, each seen by a poll and kept in the outbox.
    for (const s of ['down', 'up', 'down', 'up'] as const) { device.states.set('p1', s); await sleep(80); }
    expect(a.outbox.held).toBe(4);
    await a.close();
    agents = agents.filter((x) => x !== a);
    device.states.set('p2', 'down');
    a = await agent(c.url); // same data dir: outbox recovered
    await until(() => a.outbox.lastSeq >= 10, 5_000, 'restarted agent re-reads the initial states');
    c = await collector({ store, port });
    await until(() => a.outbox.held === 0, 10_000, 'all acked');
    const seqs = events(store).map((e: WireEvent) => e.seq);
    expect(seqs).toEqual(Array.from({ length: a.outbox.lastSeq }, (_, i) => i + 1));
    expect(store.violations).toEqual([]);
    expect(of(store, 'sw1/p1')).toEqual(['up', 'down', 'up', 'down', 'up', 'up']); // last one: the new process's initial state
    expect(of(store, 'sw1/p2')).toEqual(['up', 'down']);
    expect(store.hellos.at(-1)!.states!.map((s) => [s.subject, s.state]).sort()).toEqual([['sw1/p1', 'up'], ['sw1/p2', 'down'], ['sw1/p3', 'down']]);
  });

  it('refuses a second agent on the same data dir, but takes over a lock left by a dead process', async () => {
    const c = await collector();
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'agent.lock'), '999999999'); // no such pid: a crashed agent's lock
    await agent(c.url);
    await expect(agent(c.url)).rejects.toMatchObject({ code: E.STORE_OPEN, message: expect.stringContaining('already open in this process') });
  });

  it('keeps a transition whose evidence is beyond the protocol\'s bounds, without that evidence', async () => {
    const c = await collector();
    const a = await agent(c.url);
    await until(() => c.store.events.size === 3, 5_000, 'initial states');
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 150_000; i++) { const next = {}; cur.x = next; cur = next; }
    await a.ingest('sw1', [{ subject: 'sw1/p9', kind: 'port', state: 'down', evidence: deep }], Date.now());
    await until(() => of(c.store, 'sw1/p9').length > 0, 5_000, 'the trap-like reading');
    expect(events(c.store).find((e) => e.subject === 'sw1/p9')).toMatchObject({ state: 'down', via: 'trap', evidence: { truncated: true } });
    expect(c.store.violations).toEqual([]);
  });
});
