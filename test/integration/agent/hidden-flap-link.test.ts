/**
 * Hidden flaps from the agent to a collector: as their own events only to a
 * collector whose welcome lists 'hidden-flap'; to any other, held and carried
 * in the subject's next event as evidence.hiddenFlaps; held ones sent as
 * events once such a collector welcomes the agent. A scripted source stands
 * in for the switch (the detection itself is tested against the fake device
 * and a real snmpd).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { FEATURES } from '@dcprobe/shared';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent, type AgentHandle } from '../../../agent/src/agent.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import type { Reading, SourceKind, TargetBase } from '../../../agent/src/sources/index.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { startFakeCollector, type FakeCollector } from './link-fake-collector.ts';
import { until } from '../../support/wait.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';

const TOKEN = 'agent-token-0123456789abcdef';
/** What the next poll returns: the port's state, and a flap to report once. */
const port = { state: 'up' as Reading['state'], flap: null as { since: number; at: number } | null };
const kind: SourceKind<TargetBase> = {
  kind: 'flapping-switch',
  schema: z.strictObject({ kind: z.literal('flapping-switch'), name: z.string(), intervalSeconds: z.number().default(0.03) }),
  open: (t) => ({
    async poll() {
      const flap = port.flap;
      port.flap = null;
      return [{ subject: `${t.name}/ge-0/0/1`, kind: 'port', state: port.state, evidence: { ifOperStatus: 1 }, ...(flap ? { hiddenFlap: flap } : {}) }];
    },
    close() {},
  }),
};
const KINDS = { ...SOURCES, [kind.kind]: kind };

let dir: string;
let tmp: TempDir;
const closers: (() => Promise<void>)[] = [];
beforeEach(() => { tmp = tempDir('dcp-flap-'); dir = tmp.dir; port.state = 'up'; port.flap = null; });
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c(); tmp.cleanup(); });

async function collector(o: { features?: string[]; port?: number } = {}): Promise<FakeCollector> {
  const c = await startFakeCollector({ token: TOKEN, ...o });
  closers.push(() => c.close());
  return c;
}
async function agent(url: string): Promise<AgentHandle> {
  const a = await startAgent(buildConfig({
    agentId: 'rack-a', collectors: [url], token: TOKEN, dataDir: join(dir, 'data'), targets: [{ kind: 'flapping-switch', name: 'sw1' }],
  }, undefined, KINDS), { log: silentLogger, processMetrics: false, sources: KINDS, link: { backoff: { minMs: 20, maxMs: 100 } } });
  closers.push(() => a.close());
  return a;
}
/** A flap that ended a moment ago, after the poll before it (which saw the port up, well after its initial state). */
async function flapNow(): Promise<{ since: number; at: number }> {
  await new Promise((r) => setTimeout(r, 50));
  const at = Date.now() - 5;
  port.flap = { since: at - 20, at };
  return port.flap;
}

describe('hidden flaps on the link', () => {
  it('a collector that lists hidden-flap gets each as its own event', async () => {
    const c = await collector({ features: [FEATURES.HIDDEN_FLAP] });
    await agent(c.url);
    await until(() => c.store.events.size === 1, 5_000, 'initial state');
    const f = await flapNow();
    await until(() => c.store.flaps.size === 1, 5_000, 'the hidden-flap event');
    expect([...c.store.flaps.values()][0]).toMatchObject({ subject: 'sw1/ge-0/0/1', kind: 'hidden-flap', since: f.since, at: f.at, via: 'lastchange' });
    expect(c.store.violations).toEqual([]);
  });

  it('any other collector never sees the kind: the flap rides in the next event of its port', async () => {
    const c = await collector();
    await agent(c.url);
    await until(() => c.store.events.size === 1, 5_000, 'initial state');
    const f = await flapNow();
    await until(() => port.flap === null, 5_000, 'the poll that saw it');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.store.events.size).toBe(1);
    port.state = 'down';
    await until(() => c.store.events.size === 2, 5_000, 'the next event');
    expect([...c.store.events.values()][1]).toMatchObject({ state: 'down', evidence: { hiddenFlaps: [{ since: f.since, at: f.at }] } });
    expect(c.store.flaps.size).toBe(0);
    expect(c.store.violations).toEqual([]);
  });

  it('held flaps go out as events once a collector that takes them welcomes the agent', async () => {
    const old = await collector();
    await agent(old.url);
    await until(() => old.store.events.size === 1, 5_000, 'initial state');
    const f = await flapNow();
    await until(() => port.flap === null, 5_000, 'the poll that saw it');
    await old.close();
    const fresh = await collector({ features: [FEATURES.HIDDEN_FLAP], port: old.port });
    await until(() => fresh.store.flaps.size === 1, 10_000, 'the held flap, as an event');
    expect([...fresh.store.flaps.values()][0]).toMatchObject({ since: f.since, at: f.at });
  });
});
