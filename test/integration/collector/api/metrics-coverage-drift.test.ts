/**
 * SLA metrics of a customer whose only moving figure is its coverage (an
 * unknown stretch, closed): not recomputed at every TTL, only once the clock has
 * moved enough to shift the coverage by more than the tolerance; in between the
 * cached coverage stays within that tolerance of /sla's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const t = (s: string) => Date.parse(s);
const P1 = 'sw1/ge-0/0/1', UPL = 'sw1/xe-0/1/0';
const L = 'customer="cust-a",service="network"';
const HOUR = 3_600_000;

const coverageIn = (text: string) => Number(text.split('\n').find((l) => l.startsWith(`dcprobe_sla_coverage_ratio{${L}} `))!.split(' ').pop());

describe('SLA metrics: coverage drift', () => {
  let e: ApiEnv;
  let agent: TestAgent;
  beforeEach(async () => {
    e = await startApi(t('2026-11-20T12:00:00+08:00'));
    agent = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await agent.hello('rack-a1');
  });
  afterEach(async () => { agent.close(); await stopApi(e); });
  const slaCoverage = async () => (await call(e, 'GET', '/api/v1/customers/cust-a/sla', { token: 'read' })).json.customers[0].services.network.coverage as number;

  it('keeps a drifting coverage until it may be off by more than 1e-4, then recomputes it', async () => {
    const ev: [string, 'up' | 'unknown', string][] = [[P1, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [UPL, 'unknown', '2026-11-10T10:00:00+08:00'], [UPL, 'up', '2026-11-10T12:00:00+08:00']];
    await agent.events(ev.map(([s, st, at], i) => portEvent(i + 1, st, t(at), s)), ev.length);
    await e.c.settled(); // the SLA gauges read the store: the journal projected
    const c0 = coverageIn(await e.c.metricsText());
    expect(c0).toBeCloseTo(1 - 2 / (19.5 * 24), 9);

    // 2 minutes on (past the 60 s TTL): the coverage moved by ~1e-8, the cached line stays.
    e.clock.now += 2 * 60_000;
    const m1 = await e.c.metricsText();
    expect(coverageIn(m1)).toBe(c0);
    expect(Math.abs(await slaCoverage() - c0)).toBeLessThan(1e-4);
    expect(m1).toContain('dcprobe_sla_metrics_pending_customers 0\n');

    // 12 hours on: it may have moved by more than 1e-4 (it has: ~1e-4), so it is recomputed.
    e.clock.now += 12 * HOUR;
    const c2 = coverageIn(await e.c.metricsText());
    expect(c2).toBeGreaterThan(c0);
    expect(c2).toBe(await slaCoverage());
  });
});
