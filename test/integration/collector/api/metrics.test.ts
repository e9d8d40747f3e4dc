/**
 * SLA metrics on /metrics: equal to /sla for the current month, refreshed when a
 * report or an observation changes a customer's figures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const t = (s: string) => Date.parse(s);
const P1 = 'sw1/ge-0/0/1', UPL = 'sw1/xe-0/1/0';

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('SLA metrics', () => {
  let e: ApiEnv;
  let agent: TestAgent;
  let seq = 0;
  beforeEach(async () => {
    e = await startApi(t('2026-11-20T12:00:00+08:00'));
    agent = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await agent.hello('rack-a1');
    seq = 0;
  });
  afterEach(async () => { agent.close(); await stopApi(e); });
  // The SLA gauges read the store, which has an acked event once the journal is projected.
  const feed = async (ev: [string, 'up' | 'down' | 'unknown', string][]) => {
    const batch = ev.map(([s, st, at]) => portEvent(++seq, st, t(at), s));
    const ack = await agent.events(batch, seq);
    await e.c.settled();
    return ack;
  };

  it('reports this month\'s figures per customer and service, as /sla does, and follows changes', async () => {
    await feed([[P1, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-03T10:00:00+08:00'], [P1, 'up', '2026-11-03T10:50:00+08:00']]);
    const L = 'customer="cust-a",service="network"';
    let m = await e.c.metricsText();
    expect([metric(m, 'dcprobe_sla_countable_seconds', L), metric(m, 'dcprobe_sla_unreported_outages', L), metric(m, 'dcprobe_sla_breached', L)]).toEqual([0, 1, 0]);
    expect(metric(m, 'dcprobe_sla_allowed_seconds', L)).toBeCloseTo(2592, 6);
    expect(metric(m, 'dcprobe_network_service_connected', 'customer="cust-a"')).toBe(1);

    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00' } });
    m = await e.c.metricsText();
    const sla = (await call(e, 'GET', '/api/v1/customers/cust-a/sla', { token: 'read' })).json.customers[0].services.network;
    expect(sla.countableSeconds).toBe(3000);
    expect([metric(m, 'dcprobe_sla_countable_seconds', L), metric(m, 'dcprobe_sla_unreported_outages', L), metric(m, 'dcprobe_sla_breached', L),
      metric(m, 'dcprobe_sla_budget_remaining_seconds', L), metric(m, 'dcprobe_sla_coverage_ratio', L)])
      .toEqual([sla.countableSeconds, 0, 1, 2592 - 3000, sla.coverage]);

    // a new observation of its port: the port is down now, and the customer is recomputed
    await feed([[P1, 'down', '2026-11-20T11:00:00+08:00']]);
    m = await e.c.metricsText();
    expect(metric(m, 'dcprobe_network_service_connected', 'customer="cust-a"')).toBe(0);
    expect(metric(m, 'dcprobe_sla_unreported_outages', L)).toBe(1);
    // the uplink goes unknown: the service state is unknown, so the series is absent, and coverage drops over time
    await feed([[P1, 'up', '2026-11-20T11:30:00+08:00'], [UPL, 'unknown', '2026-11-20T11:40:00+08:00']]);
    m = await e.c.metricsText();
    expect(metric(m, 'dcprobe_network_service_connected', 'customer="cust-a"')).toBeUndefined();
    const before = metric(m, 'dcprobe_sla_coverage_ratio', L)!;
    e.clock.now += 3_600_000; // past the TTL: a customer whose figures move with time is recomputed
    m = await e.c.metricsText();
    expect(metric(m, 'dcprobe_sla_coverage_ratio', L)!).toBeLessThan(before);
    expect(metric(m, 'dcprobe_sla_metrics_pending_customers', '')).toBeUndefined();
    expect(m).toContain('dcprobe_sla_metrics_pending_customers 0\n');
  });
});
