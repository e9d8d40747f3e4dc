/**
 * Proves the Prometheus fixture against the real server: it scrapes a tiny HTTP server
 * serving a prom-client registry every second, the samples are queryable and follow
 * changes, the shipped alerting rules load and match the collector's label shape, and
 * promtool's metric lint passes on a clean exposition and flags a bad one.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Gauge, Registry } from 'prom-client';
import { promtoolCheckMetrics, startPrometheus } from './fixtures/prometheus.ts';
import type { Prometheus } from './fixtures/prometheus.ts';

const TOKEN = 'e2e-scrape-token';
const RULES = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy/prometheus/dcprobe-rules.yml');

describe('prometheus fixture', () => {
  const registry = new Registry();
  const probe = new Gauge({ name: 'dcprobe_fixture_probe_value', help: 'Value the test sets.', labelNames: ['kind'], registers: [registry] });
  const scrapes = new Counter({ name: 'dcprobe_fixture_scrapes_total', help: 'Scrapes served.', registers: [registry] });
  // Same name and labels as the collector's gauge, so the shipped DcprobePortDown rule matches it.
  const portUp = new Gauge({
    name: 'dcprobe_port_up', help: 'Switch port operational state: 1 up, 0 down; absent while unknown.',
    labelNames: ['device', 'port', 'customer'], registers: [registry],
  });
  let server: Server;
  let prom: Prometheus;

  beforeAll(async () => {
    probe.set({ kind: 'e2e' }, 42);
    portUp.set({ device: 'sw1', port: 'swp1', customer: 'acme' }, 0);
    portUp.set({ device: 'sw1', port: 'swp2', customer: 'acme' }, 1);
    server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      // Like a collector whose /metrics needs a token: proves the fixture sends it.
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      scrapes.inc();
      void registry.metrics().then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const t0 = performance.now();
    prom = await startPrometheus({ targets: [`127.0.0.1:${port}`], ruleFiles: [RULES], bearerToken: TOKEN });
    console.log(`[timing] prometheus ready after ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await prom?.stop();
    await new Promise((r) => server?.close(r));
  });

  it('scrapes the target every second, with its bearer token, and reports it healthy', async () => {
    await prom.waitForSample('up{job="dcprobe"}', (s) => s.value === 1);
    const targets = await prom.targets();
    expect(targets).toHaveLength(1);
    expect(targets[0]?.health).toBe('up');
    const first = (await prom.waitForSample('dcprobe_fixture_scrapes_total'))[0]!.value;
    await prom.waitForSample('dcprobe_fixture_scrapes_total', (s) => s.value >= first + 2, { timeoutMs: 6_000 });
  });

  it('makes the registry sample queryable and follows a change', async () => {
    const samples = await prom.waitForSample('dcprobe_fixture_probe_value', (s) => s.value === 42);
    expect(samples[0]?.metric).toMatchObject({ kind: 'e2e', job: 'dcprobe' });
    probe.set({ kind: 'e2e' }, 7);
    await prom.waitForSample('dcprobe_fixture_probe_value{kind="e2e"}', (s) => s.value === 7, { timeoutMs: 6_000 });
  });

  it('loads the shipped rules: DcprobePortDown goes pending for the down port only', async () => {
    const alert = await prom.waitForAlert('DcprobePortDown', 'pending', { timeoutMs: 15_000 });
    expect(alert.labels).toMatchObject({ device: 'sw1', port: 'swp1', customer: 'acme', severity: 'critical' });
    const active = (await prom.alerts()).filter((a) => a.labels.alertname === 'DcprobePortDown');
    expect(active.map((a) => a.labels.port)).toEqual(['swp1']);
  });

  it('promtool check metrics passes on the registry exposition and flags a bad one', async () => {
    const clean = await promtoolCheckMetrics(await registry.metrics());
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(true);
    const bad = await promtoolCheckMetrics('# HELP dcprobe_bad Bad.\n# TYPE dcprobe_bad counter\ndcprobe_bad 1\n');
    expect(bad.ok).toBe(false);
    expect(bad.code).toBe(3);
    expect(bad.problems.join('\n')).toContain('dcprobe_bad counter metrics should have "_total" suffix');
  });
});
