/**
 * Every query of every shipped Grafana dashboard, run against a real Prometheus that
 * scrapes the demo (simulated switch and UPS, collector, agent, as `npm start` runs them)
 * and evaluates the shipped recording rules. Each panel's query must return data; the few
 * that cannot in the demo are declared below with the reason, and must then be empty.
 * Variables are resolved as Grafana would (label values of their metric) and must offer
 * the value the test picks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startPrometheus, type Prometheus } from './fixtures/prometheus.ts';
import { startDemo, type Demo } from './fixtures/demo.ts';
import { expand, loadDashboards, panelsOf, variableQuery } from '../support/grafana.ts';

const RULES = fileURLToPath(new URL('../../deploy/prometheus/dcprobe-rules.yml', import.meta.url));
/** Grafana's $__rate_interval is at least four scrape intervals; 30 s spans several polls of every target. */
const RATE_INTERVAL = '30s';
/** The value each variable takes in this run; cust-01's port goes down and up below, so it has an unreported outage. */
const PICK: Record<string, string> = { device: 'sw1', customer: 'cust-01', job: 'dcprobe-collector' };

/** `uid/panel title/refId` → why it has no data in the demo. */
const EXPECTED_EMPTY: Record<string, string> = {
  'dcprobe-fleet/Poll errors/A': 'no poll fails in the demo: the counter has no series until one does',
  'dcprobe-collector/Refused agent connections/A': 'the demo agent always presents its token: no refusal, no series',
  'dcprobe-collector/Agent gaps and lost events/A': 'the demo agent never goes silent past its heartbeat timeout',
  'dcprobe-collector/Agent gaps and lost events/B': 'the demo agent\'s outbox never overflows, so no events are lost',
};

interface Query { key: string; expr: string }

const queries: Query[] = loadDashboards().flatMap(({ json }) => panelsOf(json).flatMap((p) => p.targets.map((t) => ({
  key: `${json.uid}/${p.title}/${t.refId}`, expr: expand(t.expr, { ...PICK, __rate_interval: RATE_INTERVAL }),
}))));

describe('Grafana dashboards against Prometheus scraping the demo', () => {
  let demo: Demo, prom: Prometheus;
  const results = new Map<string, number>(); // key → samples with a value (NaN does not count)

  beforeAll(async () => {
    demo = await startDemo({ flapEveryMs: 5_000 });
    prom = await startPrometheus({
      job: 'dcprobe-collector', targets: [demo.collectorAddr],
      extraJobs: [{ job: 'dcprobe-agent', targets: [demo.agentMetricsAddr] }], ruleFiles: [RULES],
    });
    await prom.waitForSample('dcprobe_port_up{customer="cust-01"}', () => true, { timeoutMs: 60_000 });
    // A customer's outage nobody reported (its deadline, its budget panels), and a UPS on battery.
    await demo.sw.setOper('ge-0/0/1', 'down');
    await prom.waitForSample('dcprobe_port_up{customer="cust-01",port="ge-0/0/1"} == 0', () => true, { timeoutMs: 30_000 });
    await demo.sw.setOper('ge-0/0/1', 'up');
    await demo.ups.setSource('battery');
    await prom.waitForSample('dcprobe_sla_unreported_outages{customer="cust-01",service="network"} > 0', () => true, { timeoutMs: 30_000 });

    // Rates and recording rules need a few scrapes and evaluations: ask until every query that
    // should have data has it, or the time is up (the test below names what is missing).
    const deadline = Date.now() + 90_000;
    for (;;) {
      for (const q of queries) {
        const samples = await prom.query(q.expr);
        results.set(q.key, samples.filter((s) => !Number.isNaN(s.value)).length);
      }
      const missing = queries.filter((q) => !(q.key in EXPECTED_EMPTY) && results.get(q.key) === 0);
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }, 240_000);

  afterAll(async () => {
    await prom?.stop();
    await demo?.stop();
  });

  it('resolves each variable to label values that include the value picked', async () => {
    for (const { json } of loadDashboards()) {
      for (const v of json.templating.list.filter((x) => x.type === 'query')) {
        const { metric, label } = variableQuery(v);
        const res = await fetch(`${prom.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(metric)}`);
        const values = ((await res.json()) as { data: string[] }).data;
        expect(values, `${json.uid} $${v.name}`).toContain(PICK[v.name]);
      }
    }
  });

  it('returns data for every panel query that is not declared expected-empty', () => {
    const missing = queries.filter((q) => !(q.key in EXPECTED_EMPTY) && results.get(q.key) === 0).map((q) => `${q.key}: ${q.expr}`);
    expect(missing).toEqual([]);
    expect(queries.length).toBeGreaterThan(50);
  });

  it('returns nothing for the queries declared expected-empty (a declaration that went stale fails)', () => {
    for (const key of Object.keys(EXPECTED_EMPTY)) {
      expect(results.has(key), `${key} is not a panel query`).toBe(true);
      expect(results.get(key), key).toBe(0);
    }
  });
});
