/**
 * A customer's own access, against a real collector: tokens made through the
 * admin API (shown once, stored as a hash, revoked, kept across a restart),
 * share links (signed, bound to one customer, expiring; the key file 0600),
 * reports the customer files itself (the collector's receipt time, its own
 * customer, source recorded, the contract's timers), the report list pinned to
 * its own customer, and the page's form.
 */
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, CUSTOMER_TOKEN, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { collector } from '../../../support/collector-harness.ts';
import { storeRows } from '../../../support/store-sql.ts';
import { readCsv } from '../../../support/csv-reader.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const HOUR = 3_600_000;
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

const db = () => join(e.tmp.dir, 'dcprobe.sqlite');

describe('customer tokens made through the admin API', () => {
  it('are shown once, stored only as a hash, work for their customer only, and stop at revocation', async () => {
    const made = await call(e, 'POST', '/api/v1/tokens', { body: { name: 'cust-b-portal', role: 'customer', customer: 'cust-b' } });
    expect(made.status).toBe(201);
    const token = made.json.token as string;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const rows = storeRows(db(), 'SELECT * FROM api_tokens');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0].token_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const list = await call(e, 'GET', '/api/v1/tokens');
    expect(list.json.tokens.map((t: { name: string }) => t.name)).toEqual(['cust-b-portal']);
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain('sha256:');

    expect((await call(e, 'GET', '/api/v1/customers/cust-b/sla', { bearer: token })).status).toBe(200);
    expect((await call(e, 'GET', '/api/v1/customers/cust-a/sla', { bearer: token })).status).toBe(404);
    expect((await call(e, 'GET', '/api/v1/customers', { bearer: token })).status).toBe(403);

    expect((await call(e, 'DELETE', '/api/v1/tokens/cust-b-portal')).status).toBe(200);
    expect((await call(e, 'GET', '/api/v1/customers/cust-b/sla', { bearer: token })).status).toBe(401);
    expect(storeRows(db(), 'SELECT revoked_by FROM api_tokens')[0].revoked_by).toBe('noc-admin');
    expect((await call(e, 'DELETE', '/api/v1/tokens/cust-b-portal')).status).toBe(404);
  });

  it('keep working after a restart, and a revoked one stays revoked', async () => {
    const live = (await call(e, 'POST', '/api/v1/tokens', { body: { name: 'live', role: 'customer', customer: 'cust-b' } })).json.token as string;
    const gone = (await call(e, 'POST', '/api/v1/tokens', { body: { name: 'gone', role: 'read' } })).json.token as string;
    await call(e, 'DELETE', '/api/v1/tokens/gone');
    await e.c.close();
    e.c = await collector(e.tmp.dir, CONFIG, { now: () => e.clock.now });
    expect((await call(e, 'GET', '/api/v1/customers/cust-b/scenario', { bearer: live })).status).toBe(200);
    expect((await call(e, 'GET', '/api/v1/customers', { bearer: gone })).status).toBe(401);
  });

  it('refuse a bad request by field: unknown customer, a customer on a NOC token, a taken name', async () => {
    const bad = async (body: unknown) => (await call(e, 'POST', '/api/v1/tokens', { body }));
    expect((await bad({ name: 'x', role: 'customer', customer: 'nobody' })).status).toBe(404);
    expect((await bad({ name: 'x', role: 'customer' })).json.error.message).toMatch(/^customer: /);
    expect((await bad({ name: 'x', role: 'read', customer: 'cust-a' })).json.error.message).toMatch(/^customer: /);
    expect((await bad({ name: 'noc-admin', role: 'read' })).status).toBe(409);
    expect((await bad({ name: 'x', role: 'root' })).json.error.message).toMatch(/^role: /);
  });
});

describe('share links', () => {
  async function link(customer: string, expiresAt: string): Promise<string> {
    const r = await call(e, 'POST', `/api/v1/customers/${customer}/share-links`, { body: { expiresAt, month: '2026-11' } });
    expect(r.status).toBe(201);
    return r.json.path as string;
  }
  const open = (path: string) => fetch(`${e.c.url}${path}`);

  it('open one customer\'s page until they expire; any change to the link is a 403', async () => {
    const path = await link('cust-a', '2026-11-21T12:00:00+08:00');
    expect(path).toMatch(/^\/customers\/cust-a\/sla\/2026-11\?expires=\d+&sig=[\w-]+$/);
    expect((await open(path)).status).toBe(200);
    expect((await open(path.replace('/cust-a/', '/cust-b/'))).status).toBe(403);
    expect((await open(path.replace(/expires=(\d+)/, (_m, s: string) => `expires=${Number(s) + 86_400}`))).status).toBe(403);
    expect((await open(path.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`))).status).toBe(403);
    // Only the page: the same signature opens no API route.
    expect((await open(`/api/v1/customers/cust-a/sla?${path.split('?')[1]}`)).status).toBe(401);
    e.clock.now = Date.parse('2026-11-21T12:00:01+08:00');
    expect((await open(path)).status).toBe(403);
  });

  it('are signed with a key kept 0600 beside the database, and cannot outlive 92 days', async () => {
    expect(statSync(join(e.tmp.dir, 'share-link.key')).mode & 0o777).toBe(0o600);
    const r = await call(e, 'POST', '/api/v1/customers/cust-a/share-links', { body: { expiresAt: '2027-06-01T00:00:00+08:00' } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^expiresAt: /);
    expect((await call(e, 'POST', '/api/v1/customers/cust-a/share-links', { body: { expiresAt: '2026-11-19T00:00:00+08:00' } })).status).toBe(400);
  });

  it('survive a restart (the key is kept), and stop when the key file is replaced', async () => {
    const path = await link('cust-a', '2026-11-25T00:00:00+08:00');
    await e.c.close();
    e.c = await collector(e.tmp.dir, CONFIG, { now: () => e.clock.now });
    expect((await open(path)).status).toBe(200);
    await e.c.close();
    writeFileSync(join(e.tmp.dir, 'share-link.key'), `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    e.c = await collector(e.tmp.dir, CONFIG, { now: () => e.clock.now });
    expect((await open(path)).status).toBe(403);
  });
});

describe('hostile input in what a customer controls', () => {
  const HOSTILE = `=HYPERLINK("http://example.invalid")<script>alert(1)</script>"'&`;

  it('stays text on the page, in the CSV and on the form\'s answer', async () => {
    const made = await call(e, 'POST', '/api/v1/tokens', { body: { name: HOSTILE, role: 'customer', customer: 'cust-a' } });
    expect(made.status).toBe(201);
    const filed = await call(e, 'POST', '/api/v1/reports', { bearer: made.json.token, body: { service: 'network', text: HOSTILE, claimedStart: '2026-11-20T11:00:00+08:00' } });
    expect(filed.status).toBe(201);
    expect(filed.json.text).toBe(HOSTILE);
    const csv = await call(e, 'GET', '/api/v1/reports?format=csv', { bearer: made.json.token });
    const row = readCsv(csv.text)[1]!;
    expect(row).toContain(`'${HOSTILE}`); // recordedBy: the token's name, kept as text by the formula guard
    const page = await (await fetch(`${e.c.url}/customers/cust-a/sla/2026-11?token=${encodeURIComponent(made.json.token)}`)).text();
    expect(page).not.toContain('<script>');
    const form = await fetch(`${e.c.url}/customers/cust-a/sla/2026-11/reports?token=${encodeURIComponent(made.json.token)}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ service: '<script>alert(1)</script>', text: HOSTILE }).toString(),
    });
    expect(form.status).toBe(400);
    expect(await form.text()).not.toContain('<script>');
  });
});

describe('reports filed by the customer', () => {
  it('take the collector\'s receipt time and the token\'s customer, and answer with the contract\'s timers', async () => {
    e.clock.now = NOW + 1234;
    const r = await call(e, 'POST', '/api/v1/reports', { bearer: CUSTOMER_TOKEN, body: { service: 'network', text: 'link down since 11:00', claimedStart: '2026-11-20T11:00:00+08:00' } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ customer: 'cust-a', source: 'customer', recordedBy: 'cust-a-portal', reportedAt: '2026-11-20T12:00:01.234+08:00' });
    expect(r.json.id).toMatch(/^R-/);
    expect(r.json.contractTimers.firstResponse).toEqual({ state: 'open', due: '2026-11-20T14:00:01.234+08:00', at: null });
    expect(r.json.contractTimers.writtenReport.due).toBe('2026-11-20T16:00:01.234+08:00');
    expect(r.json.contractTimers.resolution.due).toBe('2026-12-05T12:00:01.234+08:00');
    const stored = storeRows(db(), 'SELECT customer_id, reported_at, source FROM report_versions WHERE report_id = ?', r.json.id);
    expect(stored).toEqual([{ customer_id: 'cust-a', reported_at: NOW + 1234, source: 'customer' }]);
  });

  it('refuse a reportedAt, the provider\'s fields and another customer', async () => {
    const file = (body: unknown) => call(e, 'POST', '/api/v1/reports', { bearer: CUSTOMER_TOKEN, body });
    const at = await file({ service: 'network', reportedAt: '2026-11-01T00:00:00+08:00' });
    expect(at.status).toBe(400);
    expect(at.json.error.message).toBe('reportedAt: set by the collector: the time it receives the report');
    for (const k of ['noticeAt', 'firstResponseAt', 'id']) expect((await file({ service: 'network', [k]: 'R-9' })).json.error.message).toMatch(new RegExp(`^${k}: `));
    expect((await file({ customer: 'cust-b', service: 'network' })).status).toBe(404);
    expect(storeRows(db(), 'SELECT * FROM report_versions')).toEqual([]);
  });

  it('leave NOC-entered reports as they were, with source noc, kept through a correction', async () => {
    const r = await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-19T08:00:00+08:00' } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ source: 'noc', reportedAt: '2026-11-19T08:00:00+08:00', recordedBy: 'noc-desk' });
    const mine = (await call(e, 'POST', '/api/v1/reports', { bearer: CUSTOMER_TOKEN, body: { service: 'network' } })).json.id as string;
    const fixed = await call(e, 'PUT', `/api/v1/reports/${mine}`, { token: 'write', body: { text: 'confirmed', reason: 'call back' } });
    expect(fixed.json).toMatchObject({ version: 2, source: 'customer' });
  });

  it('are listed to the customer only its own, whatever it asks for', async () => {
    await call(e, 'POST', '/api/v1/reports', { body: { id: 'B-1', customer: 'cust-b', service: 'network', reportedAt: '2026-11-19T08:00:00+08:00' } });
    await call(e, 'POST', '/api/v1/reports', { body: { id: 'A-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-19T08:00:00+08:00' } });
    const own = await call(e, 'GET', '/api/v1/reports', { bearer: CUSTOMER_TOKEN });
    expect(own.json.reports.map((r: { id: string }) => r.id)).toEqual(['A-1']);
    const csv = await call(e, 'GET', '/api/v1/reports?format=csv', { bearer: CUSTOMER_TOKEN });
    expect(csv.text).toContain('A-1');
    expect(csv.text).not.toContain('B-1');
    expect((await call(e, 'GET', '/api/v1/reports?customer=cust-b', { bearer: CUSTOMER_TOKEN })).status).toBe(404);
    expect((await call(e, 'GET', '/api/v1/reports/B-1', { bearer: CUSTOMER_TOKEN })).status).toBe(404);
  });
});

describe('the report form on the customer\'s page', () => {
  const pageUrl = (token: string) => `/customers/cust-a/sla/2026-11?token=${encodeURIComponent(token)}`;

  it('is shown to a customer token opening its page, and files a report at the time of receipt', async () => {
    const html = await (await fetch(`${e.c.url}${pageUrl(CUSTOMER_TOKEN)}`)).text();
    const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(action).toBe(`/customers/cust-a/sla/2026-11/reports?token=${CUSTOMER_TOKEN}`);
    expect(html).not.toMatch(/<script/i);
    e.clock.now = NOW + 5 * HOUR;
    const r = await fetch(`${e.c.url}${action}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ service: 'network', claimedStart: '2026-11-20T15:30', claimedEnd: '', text: '<b>down</b>' }).toString(),
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const done = await r.text();
    const id = /data-figure="report" data-value="([^"]+)"/.exec(done)![1]!;
    const stored = storeRows(db(), 'SELECT reported_at, claimed_start, text, source FROM report_versions WHERE report_id = ?', id);
    expect(stored).toEqual([{ reported_at: NOW + 5 * HOUR, claimed_start: Date.parse('2026-11-20T15:30:00+08:00'), text: '<b>down</b>', source: 'customer' }]);
    expect(done).toContain('data-figure="firstResponse" data-value="open"');
  });

  it('is not shown to a NOC token or a share link', async () => {
    expect(await (await fetch(`${e.c.url}${pageUrl(API.read)}`)).text()).not.toContain('<form');
    const path = (await call(e, 'POST', '/api/v1/customers/cust-a/share-links', { body: { expiresAt: '2026-11-21T00:00:00+08:00' } })).json.path as string;
    expect(await (await fetch(`${e.c.url}${path}`)).text()).not.toContain('<form');
  });
});
