/**
 * The NOC's API against a real collector and a real SQLite file: roles,
 * validation naming the field, not found, corrections as versions with history,
 * notices, concurrent corrections, exclusions, CSV, ticket timers.
 */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { sleep } from '../../../support/wait.ts';
import { storeValue } from '../../../support/store-sql.ts';

const t = (s: string) => Date.parse(s);
const NOW = t('2026-11-20T12:00:00+08:00');
const report = (extra: Record<string, unknown> = {}) => ({
  id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00', ...extra,
});

describe('API /api/v1', () => {
  let e: ApiEnv;
  beforeEach(async () => { e = await startApi(NOW); });
  afterEach(async () => { await stopApi(e); });

  it('refuses a missing or unknown token with 401 and a missing role with 403', async () => {
    expect((await call(e, 'GET', '/api/v1/reports', { token: null })).status).toBe(401);
    const bad = await fetch(`${e.c.url}/api/v1/reports`, { headers: { authorization: 'Bearer not-a-token-of-ours' } });
    expect(bad.status).toBe(401);
    expect((await call(e, 'GET', '/api/v1/reports', { token: 'read' })).status).toBe(200);
    const r = await call(e, 'POST', '/api/v1/reports', { token: 'read', body: report() });
    expect([r.status, r.json.error.code]).toEqual([403, 'DCP_FORBIDDEN']);
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report() })).status).toBe(201);
    expect((await call(e, 'POST', '/api/v1/customers', { token: 'write', body: { id: 'c2', network: { ports: ['sw2/p1'] } } })).status).toBe(403);
    expect((await call(e, 'PUT', '/api/v1/customers/cust-a', { token: 'write', body: { network: { ports: ['sw2/p1'] } } })).status).toBe(403);
    expect((await call(e, 'POST', '/api/v1/exclusions', { token: 'read', body: {} })).status).toBe(403);
  });

  it.each([
    ['a time without offset', report({ reportedAt: '2026-11-03 10:05' }), /^reportedAt: expected an ISO 8601 time with an offset/],
    ['a missing reportedAt', report({ reportedAt: undefined }), /^reportedAt: required/],
    ['an unknown service', report({ service: 'cooling' }), /^service: expected one of network, power/],
    ['a notice before the report', report({ noticeAt: '2026-11-03T10:00:00+08:00' }), /^noticeAt: must not be before reportedAt/],
    ['an unknown field', report({ severity: 'high' }), /^severity: unknown field/],
    ['a service the customer lacks', report({ service: 'power' }), /^service: customer cust-a has no power service/],
    ['a bad id', report({ id: 'T 1' }), /^id: expected/],
  ])('answers 400 naming the field for %s', async (_n, body, msg) => {
    const r = await call(e, 'POST', '/api/v1/reports', { token: 'write', body });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(msg);
  });

  it('answers 400 naming the field for exclusions, customers and query parameters', async () => {
    const x = await call(e, 'POST', '/api/v1/exclusions', { body: { start: '2026-11-03T10:00:00+08:00', end: '2026-11-03T09:00:00+08:00', category: 'maintenance', ref: 'M-1' } });
    expect([x.status, x.json.error.message]).toEqual([400, 'end: must be after start']);
    const cat = await call(e, 'POST', '/api/v1/exclusions', { body: { start: '2026-11-03T10:00:00+08:00', end: '2026-11-03T11:00:00+08:00', category: 'holiday', ref: 'M-1' } });
    expect(cat.json.error.message).toMatch(/^category: expected one of maintenance/);
    const c = await call(e, 'POST', '/api/v1/customers', { body: { id: 'c2', network: { ports: ['no-slash'] } } });
    expect([c.status, c.json.error.message]).toEqual([400, 'network.ports[0]: expected <device>/<port-or-feed>']);
    const m = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-13', { token: 'read' });
    expect([m.status, m.json.error.message]).toEqual([400, 'month: expected YYYY-MM, got "2026-13"']);
    const a = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11&asOf=yesterday', { token: 'read' });
    expect(a.json.error.message).toMatch(/^asOf: expected an ISO 8601 time with an offset/);
  });

  it('answers 404 for an unknown customer, report or exclusion', async () => {
    for (const p of ['/api/v1/customers/nobody/sla?month=2026-11', '/api/v1/customers/nobody', '/api/v1/customers/nobody/scenario', '/api/v1/reports/T-404', '/api/v1/exclusions/X-404', '/api/v1/reports?customer=nobody']) {
      expect([p, (await call(e, 'GET', p, { token: 'read' })).status]).toEqual([p, 404]);
    }
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ customer: 'nobody' }) })).status).toBe(404);
    expect((await call(e, 'PUT', '/api/v1/reports/T-404', { token: 'write', body: {} })).status).toBe(404);
    expect((await call(e, 'POST', '/api/v1/reports/T-404/notice', { token: 'write', body: { noticeAt: '2026-11-03T10:55:00+08:00' } })).status).toBe(404);
  });

  it('keeps a correction and a notice as new versions, with the history and who made each', async () => {
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ noticeAt: undefined, text: 'port dark' }) });
    e.clock.now += 60_000;
    const corr = await call(e, 'PUT', '/api/v1/reports/T-1', { token: 'admin', body: { claimedStart: '2026-11-03T10:00:00+08:00', reason: 'customer gave the start' } });
    expect([corr.status, corr.json.version, corr.json.change, corr.json.open]).toEqual([200, 2, 'correct', true]);
    const dup = await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report() });
    expect([dup.status, dup.json.error.message]).toEqual([400, 'id: report "T-1" already exists (correct it with PUT)']);
    const n = await call(e, 'POST', '/api/v1/reports/T-1/notice', { token: 'write', body: { noticeAt: '2026-11-03T10:55:00+08:00' } });
    expect([n.status, n.json.version, n.json.open, n.json.noticeAt]).toEqual([201, 3, false, '2026-11-03T10:55:00+08:00']);
    const g = await call(e, 'GET', '/api/v1/reports/T-1', { token: 'read' });
    expect(g.json.history.map((v: any) => [v.version, v.change, v.claimedStart, v.noticeAt, v.recordedBy])).toEqual([
      [1, 'create', null, null, 'noc-desk'],
      [2, 'correct', '2026-11-03T10:00:00+08:00', null, 'noc-admin'],
      [3, 'notice', '2026-11-03T10:00:00+08:00', '2026-11-03T10:55:00+08:00', 'noc-desk'],
    ]);
    expect(g.json.text).toBe('port dark');
    expect(g.json.audit.map((a: any) => [a.actor, a.action, a.version, a.detail])).toEqual([
      ['noc-desk', 'create', 1, null], ['noc-admin', 'correct', 2, { reason: 'customer gave the start' }], ['noc-desk', 'notice', 3, null],
    ]);
    // clearing an optional field is a correction too
    const cleared = await call(e, 'PUT', '/api/v1/reports/T-1', { token: 'write', body: { claimedStart: null } });
    expect([cleared.json.version, cleared.json.claimedStart]).toEqual([4, null]);
  });

  it('refuses with 409 a correction based on a version someone else corrected meanwhile, and keeps the first', async () => {
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report() })).status).toBe(201);
    // A's PUT reads version 1, then waits for its body; B corrects the report meanwhile.
    const body = JSON.stringify({ claimedStart: '2026-11-03T09:00:00+08:00', reason: 'A' });
    const a = http.request(`${e.c.url}/api/v1/reports/T-1`, { method: 'PUT', headers: { authorization: `Bearer ${API.write}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const answered = new Promise<{ status: number; json: any }>((resolve, reject) => {
      a.on('response', (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(t) })); });
      a.on('error', reject);
    });
    a.write(body.slice(0, 10));
    await sleep(300);
    const b = await call(e, 'PUT', '/api/v1/reports/T-1', { token: 'write', body: { claimedStart: '2026-11-03T09:30:00+08:00', reason: 'B' } });
    expect([b.status, b.json.version]).toEqual([200, 2]);
    a.end(body.slice(10));
    const r = await answered;
    expect([r.status, r.json.error.code]).toEqual([409, 'DCP_CONFLICT']);
    const got = await call(e, 'GET', '/api/v1/reports/T-1', { token: 'read' });
    expect([got.json.version, got.json.reason, got.json.history.length, got.json.audit.length]).toEqual([2, 'B', 2, 2]);
  });

  it('pages the report list with limit and after, in order of receipt, with and without a month', async () => {
    for (let d = 1; d <= 7; d++) {
      await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ id: `T-${d}`, reportedAt: `2026-11-0${d}T10:05:00+08:00`, noticeAt: `2026-11-0${d}T10:55:00+08:00` }) });
    }
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ id: 'T-oct', reportedAt: '2026-10-20T10:05:00+08:00', noticeAt: '2026-10-20T10:55:00+08:00' }) });
    const all = await call(e, 'GET', '/api/v1/reports', { token: 'read' });
    expect([all.json.reports.length, 'next' in all.json]).toEqual([8, false]); // no limit: the whole list, as before
    for (const q of ['', '&month=2026-11']) {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const r = await call(e, 'GET', `/api/v1/reports?customer=cust-a&limit=3${q}${after ? `&after=${after}` : ''}`, { token: 'read' });
        expect(r.status).toBe(200);
        seen.push(...r.json.reports.map((x: any) => x.id));
        after = r.json.next;
        pages++;
      } while (after !== null);
      const expected = ['T-1', 'T-2', 'T-3', 'T-4', 'T-5', 'T-6', 'T-7'];
      expect(seen).toEqual(q ? expected : ['T-oct', ...expected]);
      expect(pages).toBe(3); // 8 reports as 3+3+2, the month's 7 as 3+3+1
    }
    for (const [query, message] of [
      ['limit=0', 'limit: expected a whole number from 1 to 1000, got "0"'],
      ['limit=1001', 'limit: expected a whole number from 1 to 1000, got "1001"'],
      ['limit=ten', 'limit: expected a whole number from 1 to 1000, got "ten"'],
      ['after=T-404', 'after: "T-404" is not in this list (pass the previous page\'s next)'],
    ] as const) {
      const r = await call(e, 'GET', `/api/v1/reports?${query}`, { token: 'read' });
      expect([r.status, r.json.error.message]).toEqual([400, message]);
    }
  });

  it('flags ticket timers: first response later than 2 h, resolution still open past 15 days', async () => {
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ id: 'T-late', noticeAt: undefined, reportedAt: '2026-11-02T09:00:00+08:00', firstResponseAt: '2026-11-02T11:30:00+08:00' }) });
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ id: 'T-ok', firstResponseAt: '2026-11-03T10:30:00+08:00' }) });
    const l = await call(e, 'GET', '/api/v1/reports?customer=cust-a&month=2026-11', { token: 'read' });
    const byId = Object.fromEntries(l.json.reports.map((r: any) => [r.id, r]));
    expect(byId['T-late'].timers.firstResponse).toEqual({ due: '2026-11-02T11:00:00+08:00', at: '2026-11-02T11:30:00+08:00', met: false, missed: true });
    expect(byId['T-late'].timers.resolution).toMatchObject({ due: '2026-11-17T09:00:00+08:00', at: null, met: false, missed: true });
    expect(byId['T-ok'].timers.firstResponse.missed).toBe(false);
    expect(byId['T-ok'].timers.resolution).toMatchObject({ met: true, missed: false });
    // the page and /sla get the same timers from reconcile
    const sla = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' });
    const rs = sla.json.customers[0].services.network.reports;
    expect(rs.find((r: any) => r.id === 'T-late').timers.firstResponse.met).toBe(false);
    expect(rs.find((r: any) => r.id === 'T-ok').timers.resolution.met).toBe(true);
  });

  it('enters, lists by month, corrects and withdraws exclusions, each a version with who entered it', async () => {
    const x = { id: 'X-1', customer: 'cust-a', service: 'network', start: '2026-11-05T20:00:00+08:00', end: '2026-11-05T20:40:00+08:00', category: 'customer_authorized', ref: 'AUTH-1' };
    expect((await call(e, 'POST', '/api/v1/exclusions', { token: 'write', body: x })).status).toBe(201);
    await call(e, 'POST', '/api/v1/exclusions', { token: 'write', body: { ...x, id: 'X-all', customer: undefined, start: '2026-10-05T20:00:00+08:00', end: '2026-10-05T21:00:00+08:00', category: 'maintenance', ref: 'MW-9' } });
    const nov = await call(e, 'GET', '/api/v1/exclusions?customer=cust-a&month=2026-11', { token: 'read' });
    expect(nov.json.exclusions.map((v: any) => [v.id, v.recordedBy])).toEqual([['X-1', 'noc-desk']]);
    const oct = await call(e, 'GET', '/api/v1/exclusions?customer=cust-a&month=2026-10', { token: 'read' });
    expect(oct.json.exclusions.map((v: any) => [v.id, v.customer])).toEqual([['X-all', null]]);
    const c = await call(e, 'PUT', '/api/v1/exclusions/X-1', { token: 'write', body: { end: '2026-11-05T20:30:00+08:00', reason: 'work ended early' } });
    expect([c.json.version, c.json.end]).toEqual([2, '2026-11-05T20:30:00+08:00']);
    const w = await call(e, 'DELETE', '/api/v1/exclusions/X-1', { token: 'admin', body: { reason: 'entered for the wrong customer' } });
    expect([w.json.version, w.json.withdrawn]).toEqual([3, true]);
    expect((await call(e, 'GET', '/api/v1/exclusions?customer=cust-a&month=2026-11', { token: 'read' })).json.exclusions).toEqual([]);
    const h = await call(e, 'GET', '/api/v1/exclusions/X-1', { token: 'read' });
    expect(h.json.history.map((v: any) => [v.version, v.change, v.end, v.recordedBy])).toEqual([
      [1, 'create', '2026-11-05T20:40:00+08:00', 'noc-desk'], [2, 'correct', '2026-11-05T20:30:00+08:00', 'noc-desk'], [3, 'withdraw', '2026-11-05T20:30:00+08:00', 'noc-admin'],
    ]);
  });

  it('answers from every acked event: a request waits for events still in the ingest journal', async () => {
    await stopApi(e);
    e = await startApi(NOW, {}, { faults: { holdProjection: true } });
    const a = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    await a.events([portEvent(1, 'up', t('2026-10-01T00:00:00+08:00')), portEvent(2, 'down', t('2026-11-05T20:00:00+08:00')), portEvent(3, 'up', t('2026-11-05T21:00:00+08:00'))], 3);
    a.close();
    // Acked, durable in the journal, not yet in the table the ledger reads.
    const count = () => storeValue(e.c.config.database, 'SELECT count(*) FROM observations');
    expect(count()).toBe(0);
    expect(await (await fetch(`${e.c.url}/healthz`)).json()).toMatchObject({ observations: 0, pendingEvents: 3 });
    expect(await e.c.metricsText()).toMatch(/^dcprobe_collector_ingest_pending_events 3$/m);
    const sla = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' });
    expect(sla.json.customers[0].services.network.measuredSeconds).toBe(3600);
    expect(count()).toBe(3);
    expect(await e.c.metricsText()).toMatch(/^dcprobe_collector_ingest_pending_events 0$/m);
  });

  it('counts the exclusion in /sla and serves CSV by format=csv or Accept: text/csv', async () => {
    const a = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    await a.events([portEvent(1, 'up', t('2026-10-01T00:00:00+08:00')), portEvent(2, 'down', t('2026-11-05T20:00:00+08:00')), portEvent(3, 'up', t('2026-11-05T21:00:00+08:00'))], 3);
    a.close();
    await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report({ id: 'T-5', reportedAt: '2026-11-05T20:10:00+08:00', noticeAt: '2026-11-05T21:05:00+08:00' }) });
    await call(e, 'POST', '/api/v1/exclusions', { token: 'write', body: { id: 'X-5', customer: 'cust-a', start: '2026-11-05T20:00:00+08:00', end: '2026-11-05T20:40:00+08:00', category: 'customer_authorized', ref: 'AUTH-5' } });
    const sla = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' });
    const net = sla.json.customers[0].services.network;
    expect([net.countableSeconds, net.excludedSeconds, net.reports[0].verdict]).toEqual([25 * 60, 30 * 60, 'confirmed']);
    const csv = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11&format=csv', { token: 'read' });
    expect(csv.type).toMatch(/^text\/csv/);
    const [head, svc, rep] = csv.text.trim().split('\r\n').map((l) => l.split(','));
    expect(svc![head!.indexOf('countable_seconds')]).toBe('1500');
    expect(rep![head!.indexOf('report_id')]).toBe('T-5');
    const viaAccept = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read', accept: 'text/csv' });
    expect(viaAccept.text).toBe(csv.text);
    // no first response nor written report recorded, 2 h and 4 h long past: both flagged as missed
    const reps = await call(e, 'GET', '/api/v1/reports?customer=cust-a&month=2026-11&format=csv', { token: 'read' });
    expect(reps.text.split('\r\n')[1]).toMatch(/^T-5,1,cust-a,network,2026-11-05T20:10:00\+08:00,.*,confirmed,1500,true,true,false,noc-desk$/);
  });
});
