/**
 * A real Prometheus scrapes the collector while an agent polls the simulated
 * switch and UPS: port and power states reach Prometheus through the whole
 * path, the exposition passes `promtool check metrics`, the shipped
 * alerting rules load and evaluate against the live series, and Prometheus
 * keeps a record of the store's hash chain head that the store can be checked against.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startPrometheus, promtoolCheckMetrics, type Prometheus } from './fixtures/prometheus.ts';
import { tempDir } from '../support/temp.ts';
import { rm } from 'node:fs/promises';
import { buildConfig as collectorConfig } from '../../collector/src/config.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { buildConfig as agentConfig } from '../../agent/src/config.ts';
import { startAgent, type AgentHandle } from '../../agent/src/agent.ts';
import { startSimSwitch, type SimSwitch } from '../../agent/src/sim/switch.ts';
import { startSimUps, type SimUps } from '../../agent/src/sim/ups.ts';
import { TestAgent, portEvent } from '../support/collector-harness.ts';
import { storeValue } from '../support/store-sql.ts';
import { main as collectorMain } from '../../collector/src/cli.ts';
import { writeFileSync } from 'node:fs';

const RULES = fileURLToPath(new URL('../../deploy/prometheus/dcprobe-rules.yml', import.meta.url));
const TOKEN = 'e2e-agent-token-0123456789';
/** An agent sending subject ids with `"` and `\\` (the wire allows any non-space character). */
const ODD = { id: 'rack-odd', token: 'e2e-odd-agent-token-0123456789' };

describe('Prometheus scraping the collector', () => {
  let dir: string;
  let sw: SimSwitch, ups: SimUps, col: CollectorHandle, agent: AgentHandle, prom: Prometheus;

  beforeAll(async () => {
    dir = tempDir('dcprobe-e2e-prom-').dir;
    sw = await startSimSwitch({ port: 0, ports: 8 });
    ups = await startSimUps({ port: 0 });
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'c.sqlite'), logLevel: 'silent',
      agents: [{ id: 'rack-e2e', token: TOKEN }, ODD],
      customers: [
        { id: 'cust-01', network: { ports: ['sw1/ge-0/0/1'], uplinks: ['sw1/xe-0/1/0', 'sw1/xe-0/1/1'] }, power: { feeds: ['ups1/output'] } },
      ],
    }), { log: silentLogger });
    agent = await startAgent(agentConfig({
      agentId: 'rack-e2e', collectors: [col.wsUrl], token: TOKEN, dataDir: join(dir, 'agent'), logLevel: 'silent',
      metrics: { listen: '127.0.0.1:0' },
      targets: [
        { kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: sw.port, version: '2c', community: 'public', intervalSeconds: 1, ports: 'all' },
        { kind: 'snmp-ups', name: 'ups1', host: '127.0.0.1', port: ups.port, version: '2c', community: 'public', intervalSeconds: 1 },
      ],
    }), { log: silentLogger });
    prom = await startPrometheus({ targets: [`127.0.0.1:${col.port}`], ruleFiles: [RULES] });
  });

  afterAll(async () => {
    await prom?.stop();
    await agent?.close();
    await col?.close();
    await sw?.close();
    await ups?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sees a port go down and the UPS go on battery, through agent, collector and scrape', async () => {
    await prom.waitForSample('dcprobe_port_up{device="sw1",port="ge-0/0/1",customer="cust-01"}', (s) => s.value === 1, { timeoutMs: 30_000 });
    await prom.waitForSample('dcprobe_power_state{device="ups1",feed="output",customer="cust-01",state="mains"}', (s) => s.value === 1);
    await sw.setOper('ge-0/0/1', 'down');
    await ups.setSource('battery');
    await prom.waitForSample('dcprobe_port_up{device="sw1",port="ge-0/0/1",customer="cust-01"}', (s) => s.value === 0);
    await prom.waitForSample('dcprobe_power_state{device="ups1",feed="output",state="battery"}', (s) => s.value === 1);
    // The shipped rules load and see it: DcprobePortDown is pending (its `for` is 1m).
    const alert = await prom.waitForAlert('DcprobePortDown', 'pending', { timeoutMs: 15_000 });
    expect(alert.labels.port).toBe('ge-0/0/1');
    const targets = await prom.targets();
    expect(targets.every((t) => t.health === 'up')).toBe(true);
  });

  it('serves an exposition that promtool check metrics accepts, for the collector and the agent', async () => {
    const collectorText = await (await fetch(`http://127.0.0.1:${col.port}/metrics`)).text();
    expect(collectorText).toMatch(/^dcprobe_port_up\{/m);
    expect(collectorText).toMatch(/^dcprobe_collector_events_ingested_total\{outcome="accepted"\} [1-9]/m);
    const lint = await promtoolCheckMetrics(collectorText);
    expect(lint.problems).toEqual([]);
    expect(lint.ok).toBe(true);
    const agentPort = agent.metricsServer!.port;
    const agentText = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    const agentLint = await promtoolCheckMetrics(agentText);
    expect(agentLint.problems).toEqual([]);
    expect(collectorText + agentText).not.toContain(TOKEN);
    expect(collectorText + agentText).not.toMatch(/community="/);
  });

  it('scrapes subject ids with " and \\ whole: promtool accepts the exposition and Prometheus stores the ids as sent', async () => {
    const port = { device: 'sw"q\\1', port: 'ge\\0/"1"' };
    const a = await TestAgent.connect(col.wsUrl, ODD.token);
    try {
      await a.hello(ODD.id);
      await a.events([portEvent(1, 'down', Date.now() - 1000, `${port.device}/${port.port}`)]);
      const text = await (await fetch(`http://127.0.0.1:${col.port}/metrics`)).text();
      const lint = await promtoolCheckMetrics(text);
      expect(lint.problems).toEqual([]);
      expect(lint.ok).toBe(true);
      await prom.waitForSample('dcprobe_port_up', (s) => s.metric.device === port.device && s.metric.port === port.port && s.value === 0, { timeoutMs: 20_000 });
      // The odd ids did not cost the scrape: the target is up and the other series are still there.
      expect((await prom.targets()).every((t) => t.health === 'up')).toBe(true);
      expect(await prom.query('dcprobe_port_up{device="sw1",port="ge-0/0/1"}')).toHaveLength(1);
    } finally { a.close(); }
  });

  it("records the store's chain head: a recorded (links, head) is that link's hash in the store verify-store finds intact", async () => {
    const [links] = await prom.waitForSample('dcprobe_collector_store_chain_links', (x) => x.value >= 2, { timeoutMs: 20_000 });
    // The head of the same scrape: the same instant, exactly (values up to 2^32 are exact in Prometheus' floats).
    const at = links!.timestamp;
    const half = async (h: string) => (await prom.query(`dcprobe_collector_store_chain_head{half="${h}"} @ ${at}`))[0]!.value.toString(16).padStart(8, '0');
    const recorded = (await half('high')) + (await half('low'));
    const db = join(dir, 'c.sqlite');
    const cfg = join(dir, 'verify-store.yml');
    writeFileSync(cfg, `listen: 127.0.0.1:0\ndatabase: ${db}\n`);
    const out: string[] = [];
    expect(await collectorMain(['verify-store', '--config', cfg], { out: (x) => out.push(x), err: (x) => out.push(x) })).toBe(0);
    expect(out.join('\n')).toContain('hash chain intact');
    expect(storeValue<string>(db, 'SELECT hash FROM store_chain WHERE id = ?', links!.value).slice(0, 16)).toBe(recorded);
  });
});
