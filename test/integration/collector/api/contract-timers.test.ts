/**
 * The written-report (4 h) and first-feedback (30 min) timers end to end,
 * against a real collector: the NOC records a report's written report as a
 * new version and an operation the customer authorised (its receipt, then its
 * first feedback) as versions with audit rows; the timers show in the API, on
 * the report page and as metrics; a customer reads its own operations only.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, CUSTOMER_TOKEN, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { storeRows } from '../../../support/store-sql.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const H = 3_600_000, MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const CONFIG = {
  apiTokens: [
    { name: 'noc-viewer', role: 'read', token: API.read }, { name: 'noc-desk', role: 'write', token: API.write },
    { name: 'noc-admin', role: 'admin', token: API.admin }, { name: 'cust-a-portal', role: 'customer', customer: 'cust-a', token: CUSTOMER_TOKEN },
  ],
  customers: [
    { id: 'cust-a', timezone: 'Asia/Shanghai', network: { ports: ['sw1/ge-0/0/1'] } },
    { id: 'cust-b', network: { ports: ['sw1/ge-0/0/2'] } },
  ],
};

let e: ApiEnv;
beforeEach(async () => { e = await startApi(NOW, CONFIG); });
afterEach(async () => { await stopApi(e); });

const timerLines = async () => (await e.c.metricsText()).split('\n').filter((l) => l.startsWith('dcprobe_ticket_timer'));

describe('the written-report timer', () => {
  it('runs from the report, is stopped by a new version recording writtenReportAt, and shows in the API and on the page', async () => {
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'R-1', customer: 'cust-a', service: 'network', reportedAt: iso(NOW) } })).status).toBe(201);
    e.clock.now = NOW + 3 * H;
    let r = (await call(e, 'GET', '/api/v1/reports/R-1', { bearer: CUSTOMER_TOKEN })).json;
    expect(r.timers.writtenReport).toEqual({ due: '2026-11-20T16:00:00+08:00', at: null, met: null, missed: false });

    const put = await call(e, 'PUT', '/api/v1/reports/R-1', { token: 'write', body: { writtenReportAt: iso(NOW + 4 * H + MIN), reason: 'report e-mailed' } });
    expect(put.status).toBe(200);
    expect([put.json.version, put.json.change, put.json.writtenReportAt]).toEqual([2, 'correct', '2026-11-20T16:01:00+08:00']);
    // Recorded ahead of the collector's clock: not known yet as of now.
    expect(put.json.timers.writtenReport.met).toBeNull();
    e.clock.now = NOW + 5 * H;
    r = (await call(e, 'GET', '/api/v1/reports/R-1', { bearer: CUSTOMER_TOKEN })).json;
    expect(r.timers.writtenReport).toEqual({ due: '2026-11-20T16:00:00+08:00', at: '2026-11-20T16:01:00+08:00', met: false, missed: true });
    expect(r.history.map((v: { writtenReportAt: string | null }) => v.writtenReportAt)).toEqual([null, '2026-11-20T16:01:00+08:00']);
    expect(r.audit.map((a: { action: string; actor: string; version: number }) => [a.action, a.actor, a.version])).toEqual([['create', 'noc-desk', 1], ['correct', 'noc-desk', 2]]);
    expect(storeRows(join(e.tmp.dir, 'dcprobe.sqlite'), 'SELECT version, written_report_at w FROM report_versions ORDER BY version')).toEqual([
      { version: 1, w: null }, { version: 2, w: NOW + 4 * H + MIN },
    ]);

    const list = await call(e, 'GET', '/api/v1/reports?customer=cust-a', { accept: 'text/csv' });
    expect(list.text.split('\r\n')[0]).toContain('writtenReportAt');
    expect(list.text).toMatch(/R-1,2,.*,true,/);

    const page = await (await fetch(`${e.c.url}/customers/cust-a/sla/2026-11?token=${encodeURIComponent(API.read)}`)).text();
    expect(page).toContain('Written report (4 h)');
    expect(page).toMatch(/data-report="R-1" data-figure="writtenReport" data-value="missed"/);
  });

  it('refuses a written report before the report, naming the field', async () => {
    await call(e, 'POST', '/api/v1/reports', { body: { id: 'R-1', customer: 'cust-a', service: 'network', reportedAt: iso(NOW) } });
    const bad = await call(e, 'PUT', '/api/v1/reports/R-1', { body: { writtenReportAt: iso(NOW - MIN) } });
    expect([bad.status, bad.json.error.message]).toEqual([400, 'writtenReportAt: must not be before reportedAt']);
    // A customer filing its own report cannot say when the provider wrote to it.
    const own = await call(e, 'POST', '/api/v1/reports', { bearer: CUSTOMER_TOKEN, body: { service: 'network', writtenReportAt: iso(NOW) } });
    expect([own.status, own.json.error.message]).toEqual([400, 'writtenReportAt: unknown field']);
  });
});

describe('authorised operations and the first-feedback timer', () => {
  it('are recorded by the NOC as versions with audit rows, read by their own customer only, and timed', async () => {
    const made = await call(e, 'POST', '/api/v1/operations', { token: 'write', body: { id: 'O-1', customer: 'cust-a', authorisedAt: iso(NOW), text: 'reboot sw1 <b>now</b>' } });
    expect(made.status).toBe(201);
    expect(made.json.timers.firstFeedback).toEqual({ due: '2026-11-20T12:30:00+08:00', at: null, met: null, missed: false });
    await call(e, 'POST', '/api/v1/operations', { body: { id: 'O-2', customer: 'cust-b', authorisedAt: iso(NOW) } });

    expect((await call(e, 'POST', '/api/v1/operations', { bearer: CUSTOMER_TOKEN, body: { customer: 'cust-a', authorisedAt: iso(NOW) } })).status).toBe(403);
    expect((await call(e, 'POST', '/api/v1/operations', { token: 'read', body: { customer: 'cust-a', authorisedAt: iso(NOW) } })).status).toBe(403);
    const mine = await call(e, 'GET', '/api/v1/operations', { bearer: CUSTOMER_TOKEN });
    expect(mine.json.operations.map((o: { id: string }) => o.id)).toEqual(['O-1']);
    expect((await call(e, 'GET', '/api/v1/operations/O-2', { bearer: CUSTOMER_TOKEN })).status).toBe(404);
    expect((await call(e, 'GET', '/api/v1/operations?customer=cust-b', { bearer: CUSTOMER_TOKEN })).status).toBe(404);

    e.clock.now = NOW + 20 * MIN;
    expect((await call(e, 'PUT', '/api/v1/operations/O-1', { token: 'write', body: { firstFeedbackAt: iso(NOW + 20 * MIN), reason: 'called the customer' } })).status).toBe(200);
    e.clock.now = NOW + 31 * MIN;
    const one = (await call(e, 'GET', '/api/v1/operations/O-1', { bearer: CUSTOMER_TOKEN })).json;
    expect([one.version, one.firstFeedbackAt, one.text]).toEqual([2, '2026-11-20T12:20:00+08:00', 'reboot sw1 <b>now</b>']);
    expect(one.timers.firstFeedback).toEqual({ due: '2026-11-20T12:30:00+08:00', at: '2026-11-20T12:20:00+08:00', met: true, missed: false });
    expect(one.audit.map((a: { action: string; actor: string; detail: unknown }) => [a.action, a.actor, a.detail])).toEqual([
      ['create', 'noc-desk', null], ['correct', 'noc-desk', { reason: 'called the customer' }],
    ]);
    const other = (await call(e, 'GET', '/api/v1/operations/O-2')).json;
    expect(other.timers.firstFeedback).toEqual({ due: '2026-11-20T12:30:00+08:00', at: null, met: false, missed: true });

    // Feedback before the authorisation is a typing error, refused with the field named.
    const bad = await call(e, 'PUT', '/api/v1/operations/O-1', { body: { firstFeedbackAt: iso(NOW - MIN) } });
    expect([bad.status, bad.json.error.message]).toEqual([400, 'firstFeedbackAt: must not be before authorisedAt']);
    expect((await call(e, 'PUT', '/api/v1/operations/O-9', { body: {} })).status).toBe(404);
  });
});

describe('the four timers as metrics', () => {
  it('counts each by customer and timer: running with its next due time, overdue, and stopped ones not at all', async () => {
    await call(e, 'POST', '/api/v1/reports', { body: { id: 'R-1', customer: 'cust-a', service: 'network', reportedAt: iso(NOW) } });
    await call(e, 'POST', '/api/v1/operations', { body: { id: 'O-1', customer: 'cust-b', authorisedAt: iso(NOW) } });
    await call(e, 'POST', '/api/v1/operations', { body: { id: 'O-2', customer: 'cust-b', authorisedAt: iso(NOW), firstFeedbackAt: iso(NOW + MIN) } });
    e.clock.now = NOW + 10 * MIN;
    const early = await timerLines();
    for (const [c, t, due] of [['cust-a', 'firstResponse', NOW + 2 * H], ['cust-a', 'writtenReport', NOW + 4 * H], ['cust-a', 'resolution', NOW + 15 * 24 * H], ['cust-b', 'firstFeedback', NOW + 30 * MIN]] as const) {
      expect(early).toContain(`dcprobe_ticket_timers_running{customer="${c}",timer="${t}"} 1`);
      expect(early).toContain(`dcprobe_ticket_timers_overdue{customer="${c}",timer="${t}"} 0`);
      expect(early).toContain(`dcprobe_ticket_timer_next_due_timestamp_seconds{customer="${c}",timer="${t}"} ${due / 1000}`);
    }

    e.clock.now = NOW + 4 * H + 1;
    await call(e, 'PUT', '/api/v1/reports/R-1', { body: { firstResponseAt: iso(NOW + H) } });
    const late = await timerLines();
    expect(late).toContain('dcprobe_ticket_timers_overdue{customer="cust-a",timer="writtenReport"} 1');
    expect(late).toContain('dcprobe_ticket_timers_running{customer="cust-a",timer="firstResponse"} 0');
    expect(late).toContain('dcprobe_ticket_timers_overdue{customer="cust-a",timer="firstResponse"} 0');
    expect(late).toContain('dcprobe_ticket_timers_overdue{customer="cust-b",timer="firstFeedback"} 1');
    expect(late).toContain('dcprobe_ticket_timers_running{customer="cust-b",timer="firstFeedback"} 0');

    await call(e, 'PUT', '/api/v1/reports/R-1', { body: { writtenReportAt: iso(NOW + 4 * H) } });
    await call(e, 'PUT', '/api/v1/operations/O-1', { body: { firstFeedbackAt: iso(NOW + 2 * H) } });
    const done = await timerLines();
    expect(done).toContain('dcprobe_ticket_timers_overdue{customer="cust-a",timer="writtenReport"} 0');
    expect(done).toContain('dcprobe_ticket_timers_overdue{customer="cust-b",timer="firstFeedback"} 0');
  });
});
