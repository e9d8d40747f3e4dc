/**
 * Traps through the whole agent: the sim switch (net-snmp's agent) sends a
 * real v2c linkDown to the agent's trap receiver; the agent records a `trap`
 * event at once and polls the switch to confirm.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent } from '../../../agent/src/agent.ts';
import type { AgentHandle } from '../../../agent/src/agent.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { startSimSwitch } from '../../../agent/src/sim/switch.ts';
import { startSimUps } from '../../../agent/src/sim/ups.ts';
import { startFakeCollector } from './link-fake-collector.ts';
import { freeUdpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, until } from '../../support/wait.ts';

const TOKEN = 'agent-token-0123456789abcdef';


describe('agent traps', () => {
  it('a linkDown trap becomes a trap event at once, and triggers a confirming poll', async () => {
    const { dir, cleanup } = tempDir('dcp-traps-');
    onTestFinished(cleanup);
    const trapPort = await freeUdpPort();
    const sim = await startSimSwitch({ ports: 8, trapTo: { host: '127.0.0.1', port: trapPort, community: 'trapcomm' } });
    onTestFinished(() => sim.close());
    const c = await startFakeCollector({ token: TOKEN });
    onTestFinished(() => c.close());
    const agent: AgentHandle = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [c.url], token: TOKEN, dataDir: join(dir, 'data'),
      traps: { listen: `127.0.0.1:${trapPort}`, communities: ['trapcomm'] },
      targets: [{ kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: sim.port, community: 'public', ports: 'all', intervalSeconds: 3600 }],
    }), { log: silentLogger, processMetrics: false });
    onTestFinished(() => agent.close());
    expect(agent.trapPort).toBe(trapPort);
    await until(() => c.store.events.size >= 10, 10_000, 'initial states of 8 ports + 2 uplinks');
    const initial = c.store.events.size;
    const polls = async () => Number(/dcprobe_agent_poll_duration_seconds_count\{target="sw1"\} (\d+)/.exec(await agent.metrics.registry.metrics())?.[1]);
    expect(await polls()).toBe(1);

    const t0 = Date.now();
    await sim.setOper('ge-0/0/7', 'down');
    await until(() => c.store.events.size === initial + 1, 5_000, 'the trap event');
    const e = [...c.store.events.values()].at(-1)!;
    expect(e).toMatchObject({ subject: 'sw1/ge-0/0/7', state: 'down', via: 'trap', evidence: { trap: 'linkDown', ifIndex: 7 } });
    expect(e.at).toBeGreaterThanOrEqual(t0);
    const text = await agent.metrics.registry.metrics();
    expect(text).toContain('dcprobe_agent_traps_received_total 1');
    await sleep(1_500); // the confirming poll (at most 1/s per target)
    expect(await polls()).toBe(2);
    expect(c.store.events.size).toBe(initial + 1); // the poll agrees: no second event
  });

  it('a UPS on-battery trap makes a confirming poll of that UPS at once', async () => {
    const { dir, cleanup } = tempDir('dcp-traps-');
    onTestFinished(cleanup);
    const trapPort = await freeUdpPort();
    const ups = await startSimUps({ community: 'upscomm', trapTo: { host: '127.0.0.1', port: trapPort, community: 'upscomm' } });
    onTestFinished(() => ups.close());
    const c = await startFakeCollector({ token: TOKEN });
    onTestFinished(() => c.close());
    const agent = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [c.url], token: TOKEN, dataDir: join(dir, 'data'),
      traps: { listen: `127.0.0.1:${trapPort}`, communities: ['upscomm'] },
      targets: [{ kind: 'snmp-ups', name: 'ups1', host: '127.0.0.1', port: ups.port, community: 'upscomm', intervalSeconds: 3600 }],
    }), { log: silentLogger, processMetrics: false });
    onTestFinished(() => agent.close());
    await until(() => c.store.events.size === 1, 10_000, 'initial UPS state');
    expect([...c.store.events.values()][0]).toMatchObject({ subject: 'ups1/output', state: 'mains' });
    const t0 = Date.now();
    await ups.setSource('battery');
    await until(() => c.store.events.size === 2, 5_000, 'battery via the confirming poll'); // the next timed poll is an hour away
    const e = [...c.store.events.values()][1]!;
    expect(e).toMatchObject({ subject: 'ups1/output', state: 'battery' });
    expect(['trap', 'lastchange']).toContain(e.via);
    expect(e.at).toBeGreaterThanOrEqual(t0 - 1_000);
  });

  it('a UPS configured by a long IPv6 form (0:0:0:0:0:0:0:1) polls at once on its trap from ::1', async () => {
    const tmp = tempDir('dcp-traps-');
    onTestFinished(() => tmp.cleanup());
    const dir = tmp.dir;
    const trapPort = await freeUdpPort('::1');
    const ups = await startSimUps({ address: '::1', community: 'upscomm', trapTo: { host: '::1', port: trapPort, community: 'upscomm' } });
    onTestFinished(() => ups.close());
    const c = await startFakeCollector({ token: TOKEN });
    onTestFinished(() => c.close());
    const agent = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [c.url], token: TOKEN, dataDir: join(dir, 'data'),
      traps: { listen: `[::1]:${trapPort}`, communities: ['upscomm'] },
      targets: [{ kind: 'snmp-ups', name: 'ups6', host: '0:0:0:0:0:0:0:1', port: ups.port, community: 'upscomm', intervalSeconds: 3600 }],
    }), { log: silentLogger, processMetrics: false });
    onTestFinished(() => agent.close());
    await until(() => c.store.events.size === 1, 10_000, 'initial UPS state');
    await ups.setSource('battery');
    await until(() => c.store.events.size === 2, 5_000, 'battery via the confirming poll');
    expect([...c.store.events.values()][1]).toMatchObject({ subject: 'ups6/output', state: 'battery' });
  });
});
