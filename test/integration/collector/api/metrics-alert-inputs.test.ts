/**
 * The series the alerting rules read beside the month's figures: the coverage
 * window (a mid-month install is judged from its first measurement), the next
 * report deadline of an unreported outage (gone once it passes, even for a
 * customer whose figures do not otherwise move), and uplinks once per port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const t = (s: string) => Date.parse(s);
const P1 = 'sw1/ge-0/0/1', UPL = 'sw1/xe-0/1/0';
const L = 'customer="cust-a",service="network"';
const DAY = 86_400_000;

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('SLA metrics the alerts read', () => {
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
  const feed = async (ev: [string, 'up' | 'down' | 'unknown', string][]) => {
    const batch = ev.map(([s, st, at]) => portEvent(++seq, st, t(at), s));
    await agent.events(batch, seq);
    await e.c.settled();
  };

  it('judges coverage from the first measurement after a mid-month install, and counts later gaps against it', async () => {
    await feed([[P1, 'up', '2026-11-15T09:00:00+08:00'], [UPL, 'up', '2026-11-15T09:00:30+08:00']]);
    let m = await e.c.metricsText();
    expect(metric(m, 'dcprobe_sla_coverage_ratio', L)).toBeCloseTo(1 - (14 * 24 + 9.5 / 60 + 9) / (19.5 * 24), 3); // the month's share: low
    expect(metric(m, 'dcprobe_sla_coverage_window_ratio', L)).toBe(1); // judged since the first measurement: all of it measured

    await feed([[UPL, 'unknown', '2026-11-18T10:00:00+08:00'], [UPL, 'up', '2026-11-18T11:00:00+08:00']]);
    m = await e.c.metricsText();
    const window = t('2026-11-20T12:00:00+08:00') - t('2026-11-15T09:00:30+08:00');
    const r1 = metric(m, 'dcprobe_sla_coverage_window_ratio', L)!;
    expect(r1).toBeCloseTo(1 - 3_600_000 / window, 12);
    // The gap is closed: the ratio creeps up with the clock and is recomputed once it may be off by 1e-4.
    e.clock.now += 2 * 60_000;
    expect(metric(await e.c.metricsText(), 'dcprobe_sla_coverage_window_ratio', L)).toBe(r1);
    e.clock.now += 12 * 3_600_000;
    expect(metric(await e.c.metricsText(), 'dcprobe_sla_coverage_window_ratio', L)).toBeCloseTo(1 - 3_600_000 / (window + 12 * 3_600_000 + 120_000), 12);
  });

  it('exports the next report deadline of an unreported outage until it passes or a report matches it', async () => {
    await feed([[P1, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-17T10:00:00+08:00'], [P1, 'up', '2026-11-17T10:30:00+08:00'],
      [P1, 'down', '2026-11-19T10:00:00+08:00'], [P1, 'up', '2026-11-19T10:30:00+08:00']]);
    const deadline = () => e.c.metricsText().then((m) => metric(m, 'dcprobe_sla_unreported_deadline_timestamp_seconds', L));
    expect(await deadline()).toBe((t('2026-11-17T10:00:00+08:00') + 5 * DAY) / 1000);
    // Past the first deadline: nothing else changed, yet the next one takes its place.
    e.clock.now = t('2026-11-22T10:00:01+08:00');
    expect(await deadline()).toBe((t('2026-11-19T10:00:00+08:00') + 5 * DAY) / 1000);
    const r = await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'T-9', customer: 'cust-a', service: 'network', reportedAt: '2026-11-22T10:00:00+08:00', claimedStart: '2026-11-19T10:00:00+08:00' } });
    expect(r.status).toBe(201);
    expect(await deadline()).toBeUndefined();
  });

  it('exports an uplink once, without a customer label, next to its per-customer port series', async () => {
    await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-b', network: { ports: ['sw1/ge-0/0/2'], uplinks: [UPL] } } });
    await feed([[P1, 'up', '2026-11-20T11:00:00+08:00'], [UPL, 'down', '2026-11-20T11:00:00+08:00']]);
    const m = (await e.c.metricsText()).split('\n');
    expect(m.filter((l) => l.startsWith('dcprobe_uplink_'))).toEqual([
      'dcprobe_uplink_up{device="sw1",port="xe-0/1/0"} 0', 'dcprobe_uplink_known{device="sw1",port="xe-0/1/0"} 1',
    ]);
    expect(m.filter((l) => l.startsWith('dcprobe_port_up{device="sw1",port="xe-0/1/0"'))).toHaveLength(2);
    await feed([[UPL, 'unknown', '2026-11-20T11:30:00+08:00']]);
    expect((await e.c.metricsText()).split('\n').filter((l) => l.startsWith('dcprobe_uplink_'))).toEqual([
      'dcprobe_uplink_known{device="sw1",port="xe-0/1/0"} 0',
    ]);
  });
});
