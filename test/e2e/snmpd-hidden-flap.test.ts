/**
 * A hidden flap against a real snmpd: a port down for 3 s between two 30 s
 * polls, with no trap reaching the agent (it has no trap receiver; snmpd's
 * 1 s link monitors only keep its ifTable fresh, as a busy switch's would).
 * The next poll finds the port up with a newer ifLastChange: one hidden-flap
 * episode, from the previous poll to the moment the port came back. Today's
 * collector does not list 'hidden-flap' in its welcome, so the episode rides
 * in the port's next event, evidence.hiddenFlaps, to the collector's store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig, startCollector, type CollectorHandle } from '../../collector/src/index.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { createSwitchNetns, type SwitchNetns } from './fixtures/netns.ts';
import { startSnmpd, type Snmpd } from './fixtures/snmpd.ts';
import { freeTcpPort, freeUdpPort } from '../support/ports.ts';
import { killPid } from '../support/procs.ts';
import { tempDir, type TempDir } from '../support/temp.ts';
import { sleep, waitUntil } from '../support/wait.ts';
import { storeRows } from '../support/store-sql.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const TOKEN = 'e2e-hidden-flap-agent-token-01';
const POLL_S = 30;

interface FlapLine { msg: string; subject: string; since: number; at: number; held?: boolean }

describe('a 3 s flap between two polls, no trap', () => {
  let tmp: TempDir | undefined, dir: string, sw: SwitchNetns, snmpd: Snmpd, col: CollectorHandle, agent: ChildProcess | undefined, metricsPort: number;

  const polls = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return Number(/dcprobe_agent_poll_duration_seconds_count\{target="sw1"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  const flapLines = (): FlapLine[] => readFileSync(join(dir, 'agent.log'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as FlapLine).filter((l) => l.msg.startsWith('hidden flap'));
  const observations = (subject: string) => storeRows<{ state: string; at: number; evidence: string | null }>(col.config.database, 'SELECT state, at, evidence FROM observations WHERE subject = ? ORDER BY id', subject);

  beforeAll(async () => {
    tmp = tempDir('dcprobe-e2e-flap-');
    dir = tmp.dir;
    sw = await createSwitchNetns({ ports: 2 });
    // The monitors' traps go to a port nobody listens on: the agent hears no trap.
    snmpd = await startSnmpd(sw, { trapPort: await freeUdpPort(sw.hostAddr) });
    col = await startCollector(buildConfig({
      listen: '127.0.0.1:0', database: join(dir, 'c.sqlite'), logLevel: 'silent', agents: [{ id: 'rack-flap', token: TOKEN }],
    }), { log: silentLogger, processMetrics: false });
    metricsPort = await freeTcpPort();
    writeFileSync(join(dir, 'agent.yml'), JSON.stringify({
      agentId: 'rack-flap', collectors: [col.wsUrl], token: TOKEN, dataDir: join(dir, 'outbox'), logLevel: 'info',
      metrics: { listen: `127.0.0.1:${metricsPort}` },
      targets: [{ kind: 'snmp-switch', name: 'sw1', host: snmpd.host, port: snmpd.port, community: snmpd.community, ports: 'all', intervalSeconds: POLL_S }],
    }));
    const log = openSync(join(dir, 'agent.log'), 'a');
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yml')], { stdio: ['ignore', log, log] });
    await waitUntil('initial states', () => observations(`sw1/${sw.ports[0]!.name}`).length > 0, { timeoutMs: 30_000, intervalMs: 200 });
  });

  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null) await killPid(agent.pid);
    await col?.close();
    await snmpd?.stop();
    await sw?.destroy();
    tmp?.cleanup();
  });

  it('one episode, from the previous poll to the moment the port came back, carried to the collector', async () => {
    const port = sw.ports[0]!;
    const subject = `sw1/${port.name}`;
    // Right after a poll: the next one is 27–33 s away.
    const n0 = await polls();
    const pollDone = await waitUntil('a poll', async () => ((await polls()) > n0 ? Date.now() : null), { timeoutMs: 40_000, intervalMs: 50 });
    await sleep(5_000);
    await sw.setFarEnd(port.name, 'down');
    await sleep(3_000);
    await sw.setFarEnd(port.name, 'up');
    const upAt = Date.now();
    await waitUntil('the next poll', async () => (await polls()) > n0 + 1, { timeoutMs: 40_000, intervalMs: 100 });
    await sleep(500);

    const flaps = flapLines();
    expect(flaps).toHaveLength(1);
    const f = flaps[0]!;
    expect(f).toMatchObject({ subject });
    expect(f).not.toHaveProperty('held'); // the collector's welcome said it takes hidden-flap events
    // Up at the previous poll (read within its round trips, before it completed) …
    expect(f.since).toBeLessThanOrEqual(pollDone);
    expect(f.since).toBeGreaterThan(pollDone - 2_000);
    // … up again at ifLastChange: when snmpd saw the carrier back (its ifTable cache: up to ~3 s late).
    expect(f.at).toBeGreaterThanOrEqual(upAt - 1_000);
    expect(f.at).toBeLessThanOrEqual(upAt + 5_000);
    // At the collector: one hidden flap with those bounds, and no state change.
    const stored = await waitUntil('the flap at the collector', () => {
      const r = storeRows<{ since: number; at: number }>(col.config.database, 'SELECT since, at FROM hidden_flaps WHERE subject = ?', subject);
      return r.length ? r : null;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(stored).toEqual([{ since: f.since, at: f.at }]);
    expect(observations(subject).map((o) => o.state)).toEqual(['up']);
  }, 200_000);
});
