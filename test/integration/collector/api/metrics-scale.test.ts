/**
 * /metrics with 10,000 customers: a scrape stays cheap because SLA metrics are
 * cached per customer. What is held is the work each scrape does (customers
 * recomputed), not its time: the time is measured in `npm run bench -- --only sla`.
 * The times are printed for the log only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservationRow } from '../../../../collector/src/store/types.ts';
import { call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const N = 10_000;
const t = (s: string) => Date.parse(s);

async function scrape(e: ApiEnv): Promise<{ ms: number; text: string; pending: number }> {
  const t0 = performance.now();
  const r = await fetch(`${e.c.url}/metrics`);
  const text = await r.text();
  const ms = performance.now() - t0;
  const pending = Number(/^dcprobe_sla_metrics_pending_customers (\d+)$/m.exec(text)![1]);
  return { ms, text, pending };
}

describe(`/metrics with ${N} customers`, () => {
  let e: ApiEnv;
  let startupMs = 0;
  beforeAll(async () => {
    const customers = Array.from({ length: N }, (_, i) => ({
      id: `c${i}`, network: { ports: [`sw${Math.floor(i / 48)}/ge-0/0/${i % 48}`], uplinks: [`sw${Math.floor(i / 48)}/xe-0/1/0`] },
      ...(i % 2 === 0 ? { power: { feeds: [`pdu${Math.floor(i / 20)}/feed-${i % 20}`] } } : {}),
    }));
    const t0 = performance.now();
    e = await startApi(t('2026-11-20T12:00:00+08:00'), { customers });
    startupMs = performance.now() - t0;
    const rows: ObservationRow[] = [];
    const ins = (subject: string, kind: 'port' | 'power', state: string, at: string) =>
      rows.push({ subject, kind, state: state as never, at: t(at), via: 'poll', agentId: 'rack-a1', seq: null });
    {
      for (let i = 0; i < N; i++) {
        const c = customers[i]!;
        ins(c.network.ports[0]!, 'port', 'up', '2026-10-20T00:00:00+08:00');
        if (i % 48 === 0) ins(c.network.uplinks[0]!, 'port', 'up', '2026-10-20T00:00:00+08:00');
        if (c.power) ins(c.power.feeds[0]!, 'power', 'mains', '2026-10-20T00:00:00+08:00');
        if (i % 10 === 0) {
          ins(c.network.ports[0]!, 'port', 'down', `2026-11-${String(1 + (i % 19)).padStart(2, '0')}T10:00:00+08:00`);
          if (i % 100 !== 0) ins(c.network.ports[0]!, 'port', 'up', `2026-11-${String(1 + (i % 19)).padStart(2, '0')}T10:30:00+08:00`);
        }
      }
    }
    await e.c.store.importObservations(rows, 0);
  }, 300_000);
  afterAll(async () => { if (e) await stopApi(e); });

  it('fills the cache over a few scrapes, then scrapes fast; changes cost only their customers', async () => {
    const cold: number[] = [];
    let s = await scrape(e);
    cold.push(s.ms);
    while (s.pending > 0 && cold.length < 400) { s = await scrape(e); cold.push(s.ms); }
    expect(s.pending).toBe(0);
    const lines = s.text.split('\n').filter((l) => l.startsWith('dcprobe_sla_countable_seconds{')).length;
    expect(lines).toBe(N + N / 2);

    const steady: number[] = [];
    for (let i = 0; i < 10; i++) {
      steady.push((await scrape(e)).ms);
      expect(e.c.slaMetrics.lastScrape.computed).toBe(0); // every customer served from the cache
    }
    // the same without HTTP and the client: what the collector spends per scrape
    const serverSide: number[] = [];
    for (let i = 0; i < 10; i++) { const t0 = performance.now(); await e.c.metricsText(); serverSide.push(performance.now() - t0); }
    for (let i = 0; i < 20; i++) {
      await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { customer: `c${i * 10}`, service: 'network', reportedAt: `2026-11-${String(1 + ((i * 10) % 19)).padStart(2, '0')}T10:05:00+08:00`, noticeAt: '2026-11-19T11:00:00+08:00' } });
    }
    const afterChange = await scrape(e);
    expect(e.c.slaMetrics.lastScrape.computed).toBe(20); // the twenty customers with a new report, no other
    expect(afterChange.pending).toBe(0);
    e.clock.now += 120_000; // past the TTL: customers with an outage still open are recomputed
    const afterTtl = await scrape(e);
    const stillDown = N / 100; // c0, c100, …: down since their outage began, never back up
    expect(e.c.slaMetrics.lastScrape.computed).toBeGreaterThanOrEqual(stillDown);
    expect(e.c.slaMetrics.lastScrape.computed + afterTtl.pending).toBeLessThan(N / 10); // only volatile ones, never the whole fleet
    const med = (l: number[]) => [...l].sort((a, b) => a - b)[Math.floor(l.length / 2)]!;
    const report = {
      customers: N, series: s.text.split('\n').filter((l) => l && !l.startsWith('#')).length, bytes: s.text.length,
      startupMs: Math.round(startupMs), coldScrapes: cold.length, coldTotalMs: Math.round(cold.reduce((a, b) => a + b, 0)),
      steadyMedianMs: Math.round(med(steady)), steadyServerSideMedianMs: Math.round(med(serverSide)), afterTwentyReportsMs: Math.round(afterChange.ms), afterTtlMs: Math.round(afterTtl.ms),
    };
    console.log(`SLA metrics scale: ${JSON.stringify(report)}`);
  }, 600_000);
});
