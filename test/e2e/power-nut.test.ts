/**
 * Power end to end with the real NUT upsd and two dummy-ups drivers (feeds A
 * and B): agent → collector → ledger → metrics. A customer powered by A+B is
 * interrupted only while both are off (docs/sla-rules.md §1: mains and UPS both gone).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { startNutUpsd, type NutUpsd } from './fixtures/nut.ts';
import { tempDir } from '../support/temp.ts';
import { sleep, waitUntil } from '../support/wait.ts';
import { buildConfig as collectorConfig } from '../../collector/src/config.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { storeRows } from '../support/store-sql.ts';
import { buildConfig as agentConfig } from '../../agent/src/config.ts';
import { startAgent, type AgentHandle } from '../../agent/src/agent.ts';
import { monthOf } from '@dcprobe/shared';

const TOKEN = 'e2e-power-agent-token-0123';
const API = 'e2e-power-read-token-0123456';

describe('power: NUT upsd → agent → collector → ledger and metrics', () => {
  let dir: string, nut: NutUpsd, col: CollectorHandle, agent: AgentHandle;

  const obs = (subject: string) => storeRows<{ state: string; at: number; via: string }>(col.config.database, 'SELECT state, at, via FROM observations WHERE subject = ? ORDER BY at, id', subject);
  const sla = async (customer: string) => {
    const month = monthOf(Date.now(), 'Asia/Shanghai');
    const r = await fetch(`${col.url}/api/v1/customers/${customer}/sla?month=${month}`, { headers: { authorization: `Bearer ${API}` } });
    expect(r.status).toBe(200);
    return ((await r.json()) as any).customers[0].services.power;
  };
  const metric = async (re: RegExp) => re.exec(await col.metricsText())?.[1];

  beforeAll(async () => {
    dir = tempDir('dcprobe-e2e-power-').dir;
    nut = await startNutUpsd({ ups: ['upsa', 'upsb'], status: 'OL' });
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'c.sqlite'), logLevel: 'silent',
      agents: [{ id: 'rack-power', token: TOKEN }],
      apiTokens: [{ name: 'noc', role: 'read', token: API }],
      customers: [
        { id: 'cust-ab', power: { feeds: ['ups-a/output', 'ups-b/output'] } },
        { id: 'cust-a', power: { feeds: ['ups-a/output'] } },
      ],
    }), { log: silentLogger, processMetrics: false });
    agent = await startAgent(agentConfig({
      agentId: 'rack-power', collectors: [col.wsUrl], token: TOKEN, dataDir: join(dir, 'agent'), logLevel: 'silent',
      targets: [
        { kind: 'nut', name: 'ups-a', host: nut.host, port: nut.port, ups: 'upsa', intervalSeconds: 1 },
        { kind: 'nut', name: 'ups-b', host: nut.host, port: nut.port, ups: 'upsb', intervalSeconds: 1 },
      ],
    }), { log: silentLogger });
    await waitUntil('both feeds on mains', () => obs('ups-a/output').length && obs('ups-b/output').length, { timeoutMs: 15_000 });
  });

  afterAll(async () => {
    await agent?.close();
    await col?.close();
    await nut?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('OL → OB → OB LB → OFF → OL each reach the collector with the right state and time', async () => {
    const steps: [string, string][] = [['OB', 'battery'], ['OB LB', 'battery'], ['OFF', 'off'], ['OL', 'mains']];
    const seen: { state: string; at: number; set: number }[] = [];
    for (const [status, state] of steps) {
      const set = Date.now();
      await nut.setStatus(status, { ups: 'upsa' });
      if (status === 'OB LB') { // still on battery: no transition, no event
        await sleep(2500);
        continue;
      }
      const o = await waitUntil(`ups-a ${state}`, () => obs('ups-a/output').find((x) => x.state === state && x.at >= set - 100), { timeoutMs: 10_000 });
      seen.push({ state, at: o.at, set });
    }
    expect(obs('ups-a/output').map((o) => o.state)).toEqual(['mains', 'battery', 'off', 'mains']);
    for (const s of seen) expect(s.at - s.set).toBeLessThan(4000); // upsd serves within ~1-2 s, polled every 1 s
  });

  it('feed A off while B stays powered is no outage for the A+B customer; both off is', async () => {
    const aOff = Date.now();
    await nut.setStatus('OFF', { ups: 'upsa' });
    await waitUntil('A off at the collector', () => obs('ups-a/output').find((o) => o.state === 'off' && o.at >= aOff - 100), { timeoutMs: 10_000 });
    await waitUntil('cust-a off', async () => (await metric(/^dcprobe_power_service_powered\{customer="cust-a"\} (\S+)/m)) === '0', { timeoutMs: 10_000 });
    expect(await metric(/^dcprobe_power_service_powered\{customer="cust-ab"\} (\S+)/m)).toBe('1');
    const before = await sla('cust-ab');
    const aOnlyMeasured = before.measuredSeconds;

    const bOff = Date.now();
    await nut.setStatus('OFF', { ups: 'upsb' });
    await waitUntil('B off at the collector', () => obs('ups-b/output').find((o) => o.state === 'off' && o.at >= bOff - 100), { timeoutMs: 10_000 });
    await waitUntil('cust-ab off', async () => (await metric(/^dcprobe_power_service_powered\{customer="cust-ab"\} (\S+)/m)) === '0', { timeoutMs: 10_000 });
    await sleep(2000);
    await nut.setStatus('OL', { ups: 'upsb' });
    await waitUntil('B back', () => obs('ups-b/output').at(-1)?.state === 'mains', { timeoutMs: 10_000 });
    const after = await sla('cust-ab');
    const a = obs('ups-a/output'), b = obs('ups-b/output');
    const bothOffFrom = b.find((o) => o.state === 'off')!.at;
    const bothOffTo = b.at(-1)!.at;
    // The A+B customer's measured outage is exactly the time both were off, and nothing while only A was.
    expect(aOnlyMeasured).toBe(0);
    expect(Math.abs(after.measuredSeconds - (bothOffTo - bothOffFrom) / 1000)).toBeLessThanOrEqual(1);
    expect(after.unreported).toHaveLength(before.unreported.length + 1);
    expect(a.at(-1)!.state).toBe('off');
    expect(await metric(/^dcprobe_power_state\{device="ups-b",feed="output",customer="cust-ab",state="mains"\} (\S+)/m)).toBe('1');
  });
});
