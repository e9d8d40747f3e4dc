/**
 * /sla equals the offline CLI run on /scenario's file, and a port moved from one
 * customer to another mid-month counts for each in its own time, with the
 * observations arriving over a real agent WebSocket into a real SQLite file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcileCommand } from '../../../../collector/src/cli/reconcile.ts';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { figuresOf } from '../../../support/sla-figures.ts';

const t = (s: string) => Date.parse(s);
const P1 = 'sw1/ge-0/0/1', P9 = 'sw1/ge-0/0/9', UPL = 'sw1/xe-0/1/0';

async function cli(e: ApiEnv, scenario: unknown, args: string[] = []): Promise<{ code: number; out: string }> {
  const file = join(e.tmp.dir, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  let out = '';
  const code = await reconcileCommand([file, ...args], { out: (s) => { out += s; }, err: (s) => { out += s; } });
  return { code, out };
}

describe('live SLA from the store', () => {
  let e: ApiEnv;
  beforeEach(async () => { e = await startApi(t('2026-11-20T12:00:00+08:00')); });
  afterEach(async () => { await stopApi(e); });

  async function feed(events: [string, 'up' | 'down' | 'unknown', string][]) {
    const a = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    await a.events(events.map(([s, st, at], i) => portEvent(i + 1, st, t(at), s)), events.length);
    a.close();
  }

  it('/sla gives the same result as dcprobe-collector reconcile on the /scenario file (JSON and CSV)', async () => {
    await feed([
      [P1, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-03T10:00:00+08:00'], [P1, 'up', '2026-11-03T10:50:00+08:00'],
      [P1, 'down', '2026-11-08T03:00:00+08:00'], [P1, 'up', '2026-11-08T03:25:00+08:00'],
      [UPL, 'unknown', '2026-11-12T00:00:00+08:00'], [UPL, 'up', '2026-11-12T02:00:00+08:00'],
      [P1, 'down', '2026-11-19T23:00:00+08:00'],
    ]);
    const reports = [
      { id: 'T-1', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00' },
      { id: 'T-2', reportedAt: '2026-11-09T09:00:00+08:00' },
      { id: 'T-3', reportedAt: '2026-11-12T00:30:00+08:00', noticeAt: '2026-11-12T01:00:00+08:00' },
      { id: 'T-4', reportedAt: '2026-11-19T23:05:00+08:00', firstResponseAt: '2026-11-19T23:20:00+08:00' },
    ];
    for (const r of reports) expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { customer: 'cust-a', service: 'network', ...r } })).status).toBe(201);
    await call(e, 'POST', '/api/v1/reports/T-2/notice', { token: 'write', body: { noticeAt: '2026-11-09T09:30:00+08:00' } });
    await call(e, 'PUT', '/api/v1/reports/T-2', { token: 'write', body: { claimedStart: '2026-11-08T02:55:00+08:00', claimedEnd: '2026-11-08T03:30:00+08:00' } });
    await call(e, 'POST', '/api/v1/exclusions', { token: 'write', body: { start: '2026-11-03T10:40:00+08:00', end: '2026-11-03T10:45:00+08:00', category: 'maintenance', ref: 'MW-1' } });

    for (const q of ['month=2026-11', 'month=2026-11&asOf=2026-11-10T00:00:00%2B08:00', 'month=2026-10']) {
      const sla = await call(e, 'GET', `/api/v1/customers/cust-a/sla?${q}`, { token: 'read' });
      const sc = await call(e, 'GET', `/api/v1/customers/cust-a/scenario?${q}`, { token: 'read' });
      expect(sla.status).toBe(200);
      const run = await cli(e, sc.json);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toEqual(sla.json);
      const csv = await call(e, 'GET', `/api/v1/customers/cust-a/sla?${q}&format=csv`, { token: 'read' });
      expect((await cli(e, sc.json, ['--format', 'csv'])).out).toBe(csv.text);
    }
    // and the figures are the ones the rules give (T-3 has no claimed window, so rule 2
    // matches the 8 Nov outage that ended within the deadline before it)
    const net = (await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' })).json.customers[0].services.network;
    const v = Object.fromEntries(net.reports.map((r: any) => [r.id, [r.verdict, r.countableSeconds]]));
    expect(v).toEqual({ 'T-1': ['confirmed', 45 * 60], 'T-2': ['confirmed', 25 * 60], 'T-3': ['confirmed', 25 * 60], 'T-4': ['confirmed', 12 * 3600 + 55 * 60] });
    expect(net.reports.find((r: any) => r.id === 'T-4').open).toBe(true);
  });

  it('a port reassigned mid-month counts for each customer in its own time', async () => {
    const move = '2026-11-15T00:00:00+08:00';
    // cust-a (from config: P1 + uplink) moves to P9; cust-b takes P1, both as of the re-patching time
    expect((await call(e, 'PUT', '/api/v1/customers/cust-a', { body: { validFrom: move, network: { ports: [P9], uplinks: [UPL] } } })).status).toBe(200);
    expect((await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-b', validFrom: move, network: { ports: [P1], uplinks: [UPL] } } })).status).toBe(201);
    await feed([
      [P1, 'up', '2026-10-20T00:00:00+08:00'], [P9, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-10T10:00:00+08:00'], [P1, 'up', '2026-11-10T10:20:00+08:00'],
      [P1, 'down', '2026-11-18T10:00:00+08:00'], [P1, 'up', '2026-11-18T11:00:00+08:00'],
    ]);
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'A-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-18T10:05:00+08:00', noticeAt: '2026-11-18T11:05:00+08:00' } });
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'B-1', customer: 'cust-b', service: 'network', reportedAt: '2026-11-18T10:05:00+08:00', noticeAt: '2026-11-18T11:05:00+08:00' } });
    const q = 'month=2026-11&asOf=2026-12-05T00:00:00%2B08:00';
    expect((await call(e, 'GET', `/api/v1/customers/cust-a/sla?${q}`, { token: 'read' })).json.error.message).toBe('asOf: must not be in the future (nothing after now is known)');
    e.clock.now = t('2026-12-06T00:00:00+08:00');
    const a = (await call(e, 'GET', `/api/v1/customers/cust-a/sla?${q}`, { token: 'read' })).json.customers[0].services.network;
    const b = (await call(e, 'GET', `/api/v1/customers/cust-b/sla?${q}`, { token: 'read' })).json.customers[0].services.network;
    // a: the 10 Nov outage of P1 is a's (unreported); the 18 Nov one is b's, so a's report is not confirmed
    expect([a.measuredSeconds, a.unreported.map((u: any) => u.start), a.reports[0].verdict, a.countableSeconds, a.coverage])
      .toEqual([1200, ['2026-11-10T10:00:00+08:00'], 'not_confirmed', 0, 1]);
    expect([b.measuredSeconds, b.unreported, b.reports[0].verdict, b.countableSeconds]).toEqual([3600, [], 'confirmed', 3600]);
    const hist = await call(e, 'GET', '/api/v1/customers/cust-a', { token: 'read' });
    expect(hist.json.tenures).toEqual([{ version: 1, from: null, to: move }, { version: 2, from: move, to: null }]);
    expect(hist.json.history.map((h: any) => [h.version, h.source, h.recordedBy])).toEqual([[1, 'config', 'config'], [2, 'api', 'noc-admin']]);
    // each customer's scenario reproduces its figures offline
    for (const id of ['cust-a', 'cust-b']) {
      const sc = await call(e, 'GET', `/api/v1/customers/${id}/scenario?${q}`, { token: 'read' });
      const sla = await call(e, 'GET', `/api/v1/customers/${id}/sla?${q}`, { token: 'read' });
      expect(JSON.parse((await cli(e, sc.json)).out)).toEqual(sla.json);
    }
  });

  it('/api/v1/sla gives every customer the figures of its own /sla, versions changed mid-month or not (JSON and CSV)', async () => {
    const move = '2026-11-15T00:00:00+08:00', before = '2026-09-01T00:00:00+08:00';
    // a: two versions in the month; b: from mid-month; c and d: one version all along, sharing P1 and the uplink with a and b
    expect((await call(e, 'PUT', '/api/v1/customers/cust-a', { body: { validFrom: move, network: { ports: [P9], uplinks: [UPL] } } })).status).toBe(200);
    expect((await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-b', validFrom: move, network: { ports: [P1], uplinks: [UPL] } } })).status).toBe(201);
    expect((await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-c', validFrom: before, network: { ports: [P1], uplinks: [UPL] } } })).status).toBe(201);
    expect((await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-d', validFrom: before, network: { ports: [P1, P9], redundancy: 'all' } } })).status).toBe(201);
    await feed([
      [P1, 'up', '2026-10-20T00:00:00+08:00'], [P9, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-10T10:00:00+08:00'], [P1, 'up', '2026-11-10T10:20:00+08:00'],
      [P9, 'down', '2026-11-12T08:00:00+08:00'], [P9, 'up', '2026-11-12T08:45:00+08:00'],
      [P1, 'down', '2026-11-18T10:00:00+08:00'], [P1, 'up', '2026-11-18T11:00:00+08:00'],
    ]);
    for (const id of ['cust-a', 'cust-b', 'cust-c']) {
      await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: `${id}-1`, customer: id, service: 'network', reportedAt: '2026-11-18T10:05:00+08:00', noticeAt: '2026-11-18T11:05:00+08:00' } });
    }
    e.clock.now = t('2026-12-06T00:00:00+08:00');
    const q = 'month=2026-11&asOf=2026-12-05T00:00:00%2B08:00';
    const all = await call(e, 'GET', `/api/v1/sla?${q}`, { token: 'read' });
    expect(all.status).toBe(200);
    expect(all.json.customers.map((c: { id: string }) => c.id)).toEqual(['cust-a', 'cust-b', 'cust-c', 'cust-d']);
    const csv = (await call(e, 'GET', `/api/v1/sla?${q}&format=csv`, { token: 'read' })).text.split('\r\n');
    const rows: string[] = [];
    for (const c of all.json.customers) {
      const one = (await call(e, 'GET', `/api/v1/customers/${c.id}/sla?${q}`, { token: 'read' })).json;
      expect(c).toEqual(figuresOf(one).customers[0]);
      rows.push(...(await call(e, 'GET', `/api/v1/customers/${c.id}/sla?${q}&format=csv`, { token: 'read' })).text.split('\r\n').slice(1, -1));
    }
    expect(csv.slice(1, -1)).toEqual(rows);
    // What makes it worth comparing: the customers' figures differ where their versions do.
    expect(all.json.customers.map((c: any) => c.services.network.measuredSeconds)).toEqual([1200, 3600, 4800, 4800 + 2700]);
  });
});
