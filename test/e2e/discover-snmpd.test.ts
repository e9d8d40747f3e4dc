/**
 * `dcprobe-agent discover snmp-switch` (the real program) against a real Net-SNMP snmpd
 * serving a switch in a network namespace, its ifAlias set with SNMP SETs: the blocks it
 * prints pass both programs' check-config (the real programs), and an agent and a
 * collector run from them measure the discovered customers' ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { createSwitchNetns, type SwitchNetns } from './fixtures/netns.ts';
import { startSnmpd, OID, type Snmpd } from './fixtures/snmpd.ts';
import { run } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { waitUntil } from '../support/wait.ts';
import { buildConfig as collectorConfig } from '../../collector/src/config.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { buildConfig as agentConfig } from '../../agent/src/config.ts';
import { startAgent, type AgentHandle } from '../../agent/src/agent.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const COLLECTOR_BIN = fileURLToPath(new URL('../../collector/bin/dcprobe-collector.mjs', import.meta.url));
const TOKEN = 'e2e-discover-token-0123456789';

describe('discover snmp-switch against snmpd in a namespace', () => {
  let dir: string, sw: SwitchNetns, snmpd: Snmpd;
  let col: CollectorHandle | undefined, agent: AgentHandle | undefined;
  let targets: Record<string, unknown>[], customers: Record<string, unknown>[];
  let stdout = '';

  beforeAll(async () => {
    dir = tempDir('dcprobe-e2e-discover-').dir;
    sw = await createSwitchNetns({ ports: 4 });
    snmpd = await startSnmpd(sw, { fastLinkTraps: false });
    const names = await snmpd.walk(OID.ifName);
    const uplinkIdx = Number([...names].find(([, v]) => v === '"uplink0"')![0].split('.').pop());
    await snmpd.setIfAlias(sw.port('swp1').ifIndex, 'CUST:acme-01');
    await snmpd.setIfAlias(sw.port('swp2').ifIndex, 'CUST:acme-01');
    await snmpd.setIfAlias(sw.port('swp3').ifIndex, 'CUST:globex');
    await snmpd.setIfAlias(sw.port('swp4').ifIndex, 'spare, no customer');
    await snmpd.setIfAlias(uplinkIdx, 'UPLINK:core-1');
    const r = await run(process.execPath, [AGENT_BIN, 'discover', 'snmp-switch', snmpd.host, '--community', snmpd.community,
      '--name', 'sw-ns', '--uplink-pattern', '^UPLINK:'], { timeoutMs: 60_000 });
    stdout = r.stdout;
    const docs = parseAllDocuments(stdout).map((d) => d.toJS()) as [{ targets: Record<string, unknown>[] }, { customers: Record<string, unknown>[] }];
    targets = docs[0].targets;
    customers = docs[1].customers;
  }, 180_000);

  afterAll(async () => {
    await agent?.close();
    await col?.close();
    await snmpd?.stop();
    await sw?.destroy();
    if (dir && !process.env.DCPROBE_E2E_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it('proposes the customer ports from ifAlias, behind the uplink', () => {
    expect(targets).toEqual([{ kind: 'snmp-switch', name: 'sw-ns', host: snmpd.host, version: '2c', community: 'public', ports: ['swp1', 'swp2', 'swp3'], uplinks: ['uplink0'] }]);
    expect(customers).toEqual([
      { id: 'acme-01', network: { ports: ['sw-ns/swp1', 'sw-ns/swp2'], uplinks: ['sw-ns/uplink0'] } },
      { id: 'globex', network: { ports: ['sw-ns/swp3'], uplinks: ['sw-ns/uplink0'] } },
    ]);
  });

  it('prints blocks that both programs\' check-config accept', async () => {
    await writeFile(join(dir, 'agent.yml'), `agentId: rack-ns\ncollectors: [ws://127.0.0.1:9470/agent]\ntoken: ${TOKEN}\n${stdout.split('\n---\n')[0]}\n`);
    await writeFile(join(dir, 'collector.yml'), `${stdout.split('\n---\n')[1]}\n`);
    const a = await run(process.execPath, [AGENT_BIN, 'check-config', join(dir, 'agent.yml')], { allowFail: true, timeoutMs: 60_000 });
    expect(a.code, a.stderr).toBe(0);
    const c = await run(process.execPath, [COLLECTOR_BIN, 'check-config', join(dir, 'collector.yml')], { allowFail: true, timeoutMs: 60_000 });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('ok (0 agents, 2 customers');
  });

  it('runs: the agent polls the discovered target and the collector labels the ports with the discovered customers', async () => {
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'c.sqlite'), logLevel: 'silent', agents: [{ id: 'rack-ns', token: TOKEN }], customers,
    }), { log: silentLogger, processMetrics: false });
    agent = await startAgent(agentConfig({
      agentId: 'rack-ns', collectors: [col.wsUrl], token: TOKEN, dataDir: join(dir, 'agent'), logLevel: 'silent',
      targets: targets.map((t) => ({ ...t, intervalSeconds: 2 })),
    }), { log: silentLogger, processMetrics: false });
    const up = async () => (await col!.metricsText()).split('\n').filter((l) => /^dcprobe_(port|uplink)_up\{/.test(l)).sort();
    const lines = await waitUntil('the discovered ports measured', async () => {
      const l = await up();
      return l.length === 6 ? l : undefined;
    }, { timeoutMs: 30_000 });
    expect(lines).toEqual([
      'dcprobe_port_up{device="sw-ns",port="swp1",customer="acme-01"} 1',
      'dcprobe_port_up{device="sw-ns",port="swp2",customer="acme-01"} 1',
      'dcprobe_port_up{device="sw-ns",port="swp3",customer="globex"} 1',
      'dcprobe_port_up{device="sw-ns",port="uplink0",customer="acme-01"} 1',
      'dcprobe_port_up{device="sw-ns",port="uplink0",customer="globex"} 1',
      'dcprobe_uplink_up{device="sw-ns",port="uplink0"} 1',
    ]);
  });
});
