/**
 * Interface names with spaces, slashes, quotes, backslashes, markup and
 * non-ASCII travel the whole way: a real agent process polls the simulated
 * switch (net-snmp's agent on loopback) and streams to a real collector
 * (SQLite file), the agent's config naming the ports as the device shows them; the API gives each port back under its subject id (whose
 * name decodes to the device's name) with its administrative state, the
 * report page shows every id and the customer's name as text, and /metrics
 * carries them as label values that promtool accepts and a real Prometheus
 * stores exactly as they are. (A name's quotes and backslashes reach the
 * labels percent-encoded, so label escaping proper is held by
 * collector-prometheus.test.ts, whose agent sends such ids itself.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decodeName, monthOf, portSubjectId } from '@dcprobe/shared';
import { startSimSwitch, type SimSwitch } from '../../agent/src/sim/switch.ts';
import { buildConfig, startCollector, type CollectorHandle } from '../../collector/src/index.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { freeTcpPort } from '../support/ports.ts';
import { storeRows } from '../support/store-sql.ts';
import { tempDir, type TempDir } from '../support/temp.ts';
import { waitUntil } from '../support/wait.ts';
import { promtoolCheckMetrics, startPrometheus, type Prometheus } from './fixtures/prometheus.ts';

const AGENT = { id: 'rack-names', token: 'rack-names-token-0123456789' };
const READ = 'names-read-token-0123456789';
const DEVICE = 'sw-names';
const NAMES = ['Gi 1/0/1', 'port "uplink" \\ a', 'Порт 3', "<b>&'x'</b>", '100% util~x', 'Ethernet Ü 1'];
const SHUT = 'Порт 3';
const CUSTOMER_NAME = 'Café "Ünïcode" <&> \\ end';
const ids = NAMES.map((n) => portSubjectId(DEVICE, n));
const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('interface names, agent → collector → API → page → /metrics', () => {
  let tmp: TempDir, sim: SimSwitch, col: CollectorHandle, agent: AgentProcess | undefined, prom: Prometheus | undefined;

  beforeAll(async () => {
    tmp = tempDir('dcprobe-e2e-names-');
    sim = await startSimSwitch({ ports: NAMES.length, names: NAMES });
    sim.setAdmin(SHUT, 'down');
    await sim.setOper(SHUT, 'down');
    col = await startCollector(buildConfig({
      listen: `127.0.0.1:${await freeTcpPort()}`, database: join(tmp.dir, 'c.sqlite'), logLevel: 'silent',
      agents: [{ id: AGENT.id, token: AGENT.token }],
      apiTokens: [{ name: 'noc', role: 'read', token: READ }],
      customers: [{ id: 'names-01', name: CUSTOMER_NAME, network: { ports: ids, redundancy: 'all' } }],
    }), { log: silentLogger, processMetrics: false });
    agent = await startAgentProcess({
      dir: tmp.dir, name: 'dcprobe-agent names',
      config: {
        agentId: AGENT.id, collectors: [`ws://127.0.0.1:${col.port}/agent`], token: AGENT.token, dataDir: join(tmp.dir, 'agent'),
        heartbeatSeconds: 1, logLevel: 'info',
        targets: [{ kind: 'snmp-switch', name: DEVICE, host: '127.0.0.1', port: sim.port, community: 'public', ports: NAMES, intervalSeconds: 1 }],
      },
    });
    await waitUntil('every port at the collector', async () => {
      await col.settled();
      const got = new Set(storeRows<{ subject: string }>(col.config.database, 'SELECT DISTINCT subject FROM observations').map((r) => r.subject));
      return ids.every((id) => got.has(id));
    }, { timeoutMs: 30_000, intervalMs: 250 });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    if (agent && !agent.daemon.hasExited()) await agent.stop();
    await col?.close();
    await sim?.close();
    tmp?.cleanup();
  });

  const get = (path: string) => fetch(`${col.url}${path}`, { headers: { authorization: `Bearer ${READ}` } });

  it('the subject ids are the shared encoding of the names, and decode back to them', () => {
    expect(ids.slice(0, 3)).toEqual([`${DEVICE}/Gi%201/0/1`, `${DEVICE}/port%20%22uplink%22%20%5C%20a`, `${DEVICE}/Порт%203`]);
    expect(ids.map((id) => decodeName(id.slice(DEVICE.length + 1))?.toString('utf8'))).toEqual(NAMES);
  });

  it('the API gives every port back under its id, the shut one shut administratively, and the names as shown in the evidence', async () => {
    const r = await get('/api/v1/customers/names-01/ports');
    expect(r.status).toBe(200);
    const body = await r.json() as { ports: { subject: string; state: string; admin: string | null; shutAdministratively: boolean }[] };
    expect(body.ports.map((p) => [p.subject, p.state, p.admin, p.shutAdministratively])).toEqual(
      NAMES.map((n, i) => [ids[i], n === SHUT ? 'down' : 'up', n === SHUT ? 'down' : 'up', n === SHUT]));
    const scenario = await (await get('/api/v1/customers/names-01/scenario')).json() as { observations: { subject: string }[] };
    expect(new Set(scenario.observations.map((o) => o.subject))).toEqual(new Set(ids));
    const shown = storeRows<{ subject: string; name: string }>(col.config.database,
      "SELECT subject, json_extract(evidence, '$.ifName') AS name FROM observations WHERE agent_id = ? ORDER BY id", AGENT.id);
    expect(Object.fromEntries(shown.map((s) => [s.subject, s.name]))).toEqual(Object.fromEntries(ids.map((id, i) => [id, NAMES[i]])));
  });

  it('the report page shows every id and the customer\'s name as text, and the shut port as shut administratively', async () => {
    const r = await fetch(`${col.url}/customers/names-01/sla/${monthOf(Date.now(), 'Asia/Shanghai')}?token=${READ}`);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).not.toContain('<b>');
    expect(html).toContain(escaped(CUSTOMER_NAME));
    for (const id of ids) expect(html, id).toContain(`<tr data-port="${escaped(id)}"><td>${escaped(id)}</td>`);
    expect(html).toContain(`data-subject="${escaped(portSubjectId(DEVICE, SHUT))}" data-value="down" data-admin="down">down, shut administratively</td>`);
  });

  it('/metrics labels them so that promtool accepts the scrape and Prometheus stores each id exactly', async () => {
    const text = await (await fetch(`${col.url}/metrics`)).text();
    const lint = await promtoolCheckMetrics(text);
    expect(lint.problems).toEqual([]);
    expect(lint.ok).toBe(true);
    prom = await startPrometheus({ targets: [`127.0.0.1:${col.port}`] });
    const samples = await prom.waitForSample('dcprobe_port_up{customer="names-01"}', () => true, { timeoutMs: 30_000 });
    await waitUntil('every port scraped', async () => (await prom!.query('dcprobe_port_up{customer="names-01"}')).length === ids.length, { timeoutMs: 15_000 });
    const got = (await prom.query('dcprobe_port_up{customer="names-01"}')).map((s): [string, unknown] => [s.metric.port!, [s.metric.device, s.value]]);
    // The device is the part before the first '/': a name's own slashes stay in the port label.
    expect(new Map(got)).toEqual(new Map(ids.map((id, i) => [id.slice(DEVICE.length + 1), [DEVICE, NAMES[i] === SHUT ? 0 : 1]])));
    expect(samples.length).toBeGreaterThan(0);
  });
});
