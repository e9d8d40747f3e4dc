/**
 * The whole network path against real peers: Net-SNMP snmpd serving a switch
 * that lives in a network namespace (veth ports flipped with `ip link`), the
 * real agent process (its CLI, killed with SIGKILL), and the collector with a
 * real SQLite file.
 *
 * Poll interval 20 s: a change that arrives within a few seconds came by
 * snmpd's own linkDown trap (and the confirming poll it triggers), not by polling.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSwitchNetns, type SwitchNetns } from './fixtures/netns.ts';
import { startSnmpd, listenForTraps, OID, type Snmpd } from './fixtures/snmpd.ts';
import { freeTcpPort, freeUdpPort } from '../support/ports.ts';
import { killPid } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { waitUntil } from '../support/wait.ts';
import { buildConfig } from '../../collector/src/config.ts';
import { startCollector, type CollectorHandle, type StartOptions } from '../../collector/src/server.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { storeRows, storeValue } from '../support/store-sql.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const TOKEN = 'e2e-snmpd-agent-token-0123';
const POLL_S = 20;

interface Obs { subject: string; state: string; at: number; via: string; seq: number | null; received_at: number }

describe('agent → collector against a real snmpd in a network namespace', () => {
  let dir: string, sw: SwitchNetns, snmpd: Snmpd, col: CollectorHandle | undefined, agent: ChildProcess | undefined;
  let rx: ReturnType<typeof listenForTraps>;
  let agentMetricsPort: number;
  let collectorPort: number;

  const startCol = async (opts: StartOptions = {}) => {
    col = await startCollector(buildConfig({
      listen: `127.0.0.1:${collectorPort}`, database: join(dir, 'c.sqlite'), logLevel: 'silent', heartbeatTimeoutSeconds: 30,
      agents: [{ id: 'rack-ns', token: TOKEN }],
    }), { log: silentLogger, processMetrics: false, ...opts });
  };
  const startAgentProc = () => {
    const log = openSync(join(dir, 'agent.log'), 'a');
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yml')], { stdio: ['ignore', log, log] });
  };
  const obs = (where = '1=1', ...p: unknown[]): Obs[] =>
    storeRows<Obs>(col!.config.database, `SELECT subject, state, at, via, seq, received_at FROM observations WHERE ${where} ORDER BY id`, ...p);
  const waitObs = (what: string, where: string, ...p: unknown[]) =>
    waitUntil(what, () => obs(where, ...p)[0], { timeoutMs: 30_000, intervalMs: 50 });

  beforeAll(async () => {
    dir = tempDir('dcprobe-e2e-agent-').dir;
    sw = await createSwitchNetns({ ports: 4 });
    const trapPort = await freeUdpPort(sw.hostAddr);
    const refPort = await freeUdpPort(sw.hostAddr);
    rx = listenForTraps(sw.hostAddr, refPort);
    snmpd = await startSnmpd(sw, { trapPort, extraTrapPorts: [refPort] });
    collectorPort = await freeTcpPort();
    agentMetricsPort = await freeTcpPort();
    writeFileSync(join(dir, 'agent.yml'), JSON.stringify({
      agentId: 'rack-ns', collectors: [`ws://127.0.0.1:${collectorPort}/agent`], token: TOKEN,
      dataDir: join(dir, 'outbox'), heartbeatSeconds: 2, logLevel: 'info',
      metrics: { listen: `127.0.0.1:${agentMetricsPort}` },
      traps: { listen: `${sw.hostAddr}:${trapPort}`, communities: ['public'] },
      targets: [{ kind: 'snmp-switch', name: 'sw1', host: snmpd.host, port: snmpd.port, version: '2c', community: 'public',
        intervalSeconds: POLL_S, timeoutMs: 500, retries: 1, ports: 'all' }],
    }));
    await startCol();
    startAgentProc();
    // Initial states of every port reach the collector.
    await waitUntil('initial states', () => sw.ports.every((p) => obs('subject = ? AND state = ?', `sw1/${p.name}`, 'up').length > 0), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null) await killPid(agent.pid);
    await col?.close();
    rx?.close();
    await snmpd?.stop();
    await sw?.destroy();
    if (dir && !process.env.DCPROBE_E2E_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it('a port taken down reaches the collector as down, by snmpd\'s trap, well before the next poll, timed by the device', async () => {
    const port = sw.ports[1]!;
    const flipped = Date.now();
    await sw.setFarEnd(port.name, 'down');
    const trap = await rx.waitFor(OID.linkDown, port.ifIndex, { after: flipped, timeoutMs: 15_000 });
    const down = await waitObs('down observation', 'subject = ? AND state = ?', `sw1/${port.name}`, 'down');
    expect(down.received_at - flipped).toBeLessThan(POLL_S * 1000 / 2);
    expect(['trap', 'lastchange']).toContain(down.via);
    // The device's own time of the change: after the flip, and no later than snmpd's trap.
    expect(down.at).toBeGreaterThanOrEqual(flipped - 1000);
    expect(down.at).toBeLessThanOrEqual(trap.at + 1000);
    // Trap sent by snmpd → committed at the collector (reference receiver beside the agent's).
    expect(down.received_at - trap.at).toBeLessThan(2000);
    await sw.setFarEnd(port.name, 'up');
    await waitObs('up again', 'subject = ? AND state = ? AND at > ?', `sw1/${port.name}`, 'up', down.at);
  });

  it('a switch that stops answering makes its ports unknown, never down', async () => {
    const before = obs().length;
    process.kill(snmpd.pid, 'SIGSTOP');
    try {
      await waitUntil('all ports unknown', () => sw.ports.every((p) => obs('subject = ? AND state = ? AND id > ?', `sw1/${p.name}`, 'unknown', before).length === 1),
        { timeoutMs: (POLL_S + 10) * 1000 });
      expect(obs('id > ? AND state = ?', before, 'down')).toEqual([]);
    } finally {
      process.kill(snmpd.pid, 'SIGCONT');
    }
    await waitUntil('ports measured again', () => sw.ports.every((p) => obs('subject = ? AND state = ? AND id > ?', `sw1/${p.name}`, 'up', before).length === 1),
      { timeoutMs: (POLL_S + 10) * 1000 });
  });

  it('kill -9 of the agent between detection and ack, and of a collector that committed without acking: every event exactly once', async () => {
    const port = sw.ports[2]!;
    // 1. Collector gone: the agent detects the change, keeps it in its outbox, and is killed.
    await col!.close();
    col = undefined;
    await sw.setFarEnd(port.name, 'down');
    await waitUntil('event in the outbox', async () => {
      const text = await (await fetch(`http://127.0.0.1:${agentMetricsPort}/metrics`)).text();
      return /^dcprobe_agent_outbox_events [1-9]/m.test(text);
    }, { timeoutMs: 20_000 });
    agent!.kill('SIGKILL');
    await new Promise((r) => agent!.once('exit', r));
    // 2. A collector that commits but never acks; the restarted agent resends; it is killed again after the commit.
    await startCol({ faults: { dropAcks: true } });
    startAgentProc();
    const down = await waitObs('down after restart', 'subject = ? AND state = ?', `sw1/${port.name}`, 'down');
    agent!.kill('SIGKILL');
    await new Promise((r) => agent!.once('exit', r));
    await col!.close();
    // 3. Both back normally: the agent resends everything unacked; the collector keeps it once.
    await startCol();
    startAgentProc();
    await sw.setFarEnd(port.name, 'up');
    await waitObs('up after restarts', 'subject = ? AND state = ? AND at > ?', `sw1/${port.name}`, 'up', down.at);
    const seqs = obs('seq IS NOT NULL').map((o) => o.seq!).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // none lost, none twice
    expect(obs('subject = ? AND state = ? AND at = ?', `sw1/${port.name}`, 'down', down.at)).toHaveLength(1);
    expect(storeValue(col!.config.database, 'SELECT count(*) FROM rejected_events')).toBe(0);
  });
});
