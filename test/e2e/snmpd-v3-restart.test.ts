/**
 * SNMPv3 after a device restart that resets its engine: a real snmpd in a
 * network namespace, polled by the real agent process with SHA/AES, restarted
 * with its persistent state deleted, so its snmpEngineBoots goes back to 1
 * while the agent's session still holds the old boots and time. The agent
 * opens a new session with engine discovery, says so in its log, and polls
 * again within two intervals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSwitchNetns, type SwitchNetns } from './fixtures/netns.ts';
import { startSnmpd, type Snmpd } from './fixtures/snmpd.ts';
import { freeTcpPort } from '../support/ports.ts';
import { killPid } from '../support/procs.ts';
import { tempDir, type TempDir } from '../support/temp.ts';
import { waitUntil } from '../support/wait.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const POLL_S = 5;

describe('SNMPv3 polls recover after the device restarts with its engine reset', () => {
  let tmp: TempDir | undefined, dir: string, sw: SwitchNetns, snmpd: Snmpd, agent: ChildProcess | undefined, metricsPort: number;

  const metrics = async (): Promise<{ polls: number; errors: number }> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const polls = Number(/dcprobe_agent_poll_duration_seconds_count\{target="sw3"\} (\d+)/.exec(text)?.[1] ?? 0);
    const errors = [...text.matchAll(/dcprobe_agent_poll_errors_total\{target="sw3",code="[A-Z_]+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    return { polls, errors };
  };
  const logLines = (): { msg: string; level: number; code?: string }[] =>
    readFileSync(join(dir, 'agent.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; level: number });

  beforeAll(async () => {
    tmp = tempDir('dcprobe-e2e-v3-');
    dir = tmp.dir;
    sw = await createSwitchNetns({ ports: 2 });
    snmpd = await startSnmpd(sw, { fastLinkTraps: false });
    await snmpd.restart(); // boots 2: the reset below takes it backwards
    metricsPort = await freeTcpPort();
    writeFileSync(join(dir, 'agent.yml'), JSON.stringify({
      // No collector listens: the outbox keeps the events; the polls are what this test watches.
      agentId: 'rack-v3', collectors: [`ws://127.0.0.1:${await freeTcpPort()}/agent`], token: 'e2e-v3-agent-token-0123456',
      dataDir: join(dir, 'outbox'), logLevel: 'info', metrics: { listen: `127.0.0.1:${metricsPort}` },
      targets: [{ kind: 'snmp-switch', name: 'sw3', host: snmpd.host, port: snmpd.port, version: '3', user: snmpd.v3.authPriv, ports: 'all', intervalSeconds: POLL_S }],
    }));
    const log = openSync(join(dir, 'agent.log'), 'a');
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yml')], { stdio: ['ignore', log, log] });
    await waitUntil('two good polls', async () => (await metrics().catch(() => ({ polls: 0, errors: 0 }))).polls >= 2, { timeoutMs: 30_000, intervalMs: 200 });
  });

  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null) await killPid(agent.pid);
    await snmpd?.stop();
    await sw?.destroy();
    tmp?.cleanup();
  });

  it('a new session with engine discovery, the reason in the log, and good polls within two intervals', async () => {
    expect((await metrics()).errors).toBe(0);
    await snmpd.restart({ wipePersistent: true });
    const back = Date.now(); // snmpd answers again from here
    const before = await metrics();
    // Two more polls counted, the last of them good (errors did not grow with it).
    const good = await waitUntil('a good poll after the reset', async () => {
      const m = await metrics();
      return m.polls >= before.polls + 2 && m.polls - m.errors > before.polls - before.errors ? Date.now() : null;
    }, { timeoutMs: 4 * POLL_S * 1000, intervalMs: 100 });
    expect(good - back).toBeLessThanOrEqual(2 * POLL_S * 1000 + 2000);
    const msgs = logLines().map((l) => l.msg);
    expect(msgs).toContainEqual(`SNMPv3 engine of ${snmpd.host}:161 no longer matches this session (the device restarted, or its engine ID, boots or time were reset): new session with engine discovery`);
    expect(msgs.filter((m) => /credentials rejected/.test(m))).toEqual([]);
    // And it stays good.
    const settled = await metrics();
    await waitUntil('two more polls', async () => (await metrics()).polls >= settled.polls + 2, { timeoutMs: 3 * POLL_S * 1000, intervalMs: 200 });
    expect((await metrics()).errors).toBe(settled.errors);
  });
});
