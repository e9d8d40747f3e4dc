/**
 * The printable report page in a real headless Chromium: it renders (timeline
 * SVG, tables, print CSS, no external request), and every figure it shows equals
 * the API's `/sla` for the same customer, month and asOf. It also takes a full-page
 * screenshot (checked to be a PNG, kept in memory) and prints the page to PDF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { TOKENS, TestAgent, portEvent } from '../support/collector-harness.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../support/api-harness.ts';

const t = (s: string) => Date.parse(s);
const P1 = 'sw1/ge-0/0/1', UPL = 'sw1/xe-0/1/0';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('report page in Chromium', () => {
  let e: ApiEnv;
  let browser: Browser;
  const ASOF = '2026-11-20T12:00:00+08:00';

  beforeAll(async () => {
    e = await startApi(t(ASOF), { customers: [{ id: 'cust-a', name: 'Acme Hosting', network: { ports: [P1], uplinks: [UPL] }, power: { feeds: ['ups-a/output'] } }] });
    const a = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    const ev: [string, string, string][] = [
      [P1, 'up', '2026-10-20T00:00:00+08:00'], [UPL, 'up', '2026-10-20T00:00:00+08:00'], ['ups-a/output', 'mains', '2026-10-20T00:00:00+08:00'],
      [P1, 'down', '2026-11-03T10:00:00+08:00'], [P1, 'up', '2026-11-03T10:50:00+08:00'],
      [P1, 'down', '2026-11-06T20:00:00+08:00'], [P1, 'up', '2026-11-06T21:00:00+08:00'],
      [UPL, 'unknown', '2026-11-12T00:00:00+08:00'], [UPL, 'up', '2026-11-12T02:00:00+08:00'],
      [P1, 'down', '2026-11-16T04:00:00+08:00'], [P1, 'up', '2026-11-16T04:30:00+08:00'],
      ['ups-a/output', 'battery', '2026-11-15T08:00:00+08:00'], ['ups-a/output', 'off', '2026-11-15T08:50:00+08:00'], ['ups-a/output', 'mains', '2026-11-15T09:00:00+08:00'],
    ];
    await a.events(ev.map(([s, st, at], i) => ({ ...portEvent(i + 1, 'up', t(at), s), ...(s.startsWith('ups') ? { kind: 'power', evidence: {} } : {}), state: st })), ev.length);
    a.close();
    const post = async (path: string, body: unknown) => expect((await call(e, 'POST', path, { token: 'write', body })).status).toBe(201);
    await post('/api/v1/reports', { id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00', firstResponseAt: '2026-11-03T10:20:00+08:00' });
    await post('/api/v1/reports', { id: 'T-2', customer: 'cust-a', service: 'network', reportedAt: '2026-11-06T20:10:00+08:00', noticeAt: '2026-11-06T21:05:00+08:00' });
    await post('/api/v1/reports', { id: 'T-3', customer: 'cust-a', service: 'network', reportedAt: '2026-11-12T00:30:00+08:00', claimedStart: '2026-11-12T00:15:00+08:00', claimedEnd: '2026-11-12T01:00:00+08:00', noticeAt: '2026-11-12T01:00:00+08:00' });
    await post('/api/v1/reports', { id: 'T-4', customer: 'cust-a', service: 'network', reportedAt: '2026-11-18T09:00:00+08:00' });
    await post('/api/v1/reports', { id: 'P-1', customer: 'cust-a', service: 'power', reportedAt: '2026-11-15T08:52:00+08:00', noticeAt: '2026-11-15T09:03:00+08:00', firstResponseAt: '2026-11-15T11:30:00+08:00' });
    await post('/api/v1/exclusions', { id: 'X-1', customer: 'cust-a', service: 'network', start: '2026-11-06T20:00:00+08:00', end: '2026-11-06T20:40:00+08:00', category: 'customer_authorized', ref: 'AUTH-77' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (e) await stopApi(e);
  });

  it('renders, requests nothing external, and shows the same figures as /api/v1/.../sla', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const resp = await page.goto(`${e.c.url}/customers/cust-a/sla/2026-11?token=${API.read}`);
    expect(resp?.status()).toBe(200);
    expect(requests.every((u) => u.startsWith(e.c.url))).toBe(true);
    expect(requests).toHaveLength(1);
    expect(await page.locator('svg.timeline').count()).toBe(2);
    expect(await page.locator('table.tenures tbody tr').innerText()).toContain('sw1/ge-0/0/1');
    expect(await page.locator('svg.timeline[data-service="network"] rect.down').count()).toBe(3);

    const api = (await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' })).json.customers[0].services;
    const shown = await page.$$eval('[data-figure][data-service]', (els) => els.map((el) => ({
      service: el.getAttribute('data-service')!, report: el.getAttribute('data-report'), figure: el.getAttribute('data-figure')!,
      value: el.getAttribute('data-value')!, visible: (el as HTMLElement).innerText.trim().length > 0,
    })));
    // The written-report timer is the ledger's (the reconciler's result does not carry it): compared with the report API.
    const ledger = new Map((await call(e, 'GET', '/api/v1/reports?customer=cust-a', { token: 'read' })).json.reports.map((r: any) => [r.id, r.timers]));
    let compared = 0;
    for (const f of shown) {
      expect(f.visible).toBe(true);
      const s = api[f.service];
      if (f.figure === 'unreported') continue;
      if (f.report) {
        const r = s.reports.find((x: any) => x.id === f.report);
        const timers = f.figure === 'writtenReport' ? ledger.get(f.report) as any : r.timers;
        const want = f.figure === 'firstResponse' || f.figure === 'resolution' || f.figure === 'writtenReport'
          ? (timers[f.figure].met === null ? 'running' : timers[f.figure].met ? 'met' : 'missed') : String(r[f.figure]);
        expect([f.report, f.figure, f.value]).toEqual([f.report, f.figure, want]);
      } else {
        expect([f.service, f.figure, f.value]).toEqual([f.service, f.figure, String(s[f.figure] ?? '')]);
      }
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(2 * 10 + 5 * 7);
    expect(await page.$$eval('[data-figure="unreported"][data-service="network"]', (els) => els.map((x) => Number(x.getAttribute('data-value')))))
      .toEqual(api.network.unreported.map((u: any) => u.seconds));
    // the figures people read: T-4 is open and its first response is overdue
    expect(await page.locator('[data-report="T-4"][data-figure="firstResponse"]').innerText()).toContain('missed');
    expect(await page.locator('[data-service="power"][data-figure="feeWaived"]').getAttribute('data-value')).toBe(String(api.power.feeWaived));

    const shot = await page.screenshot({ fullPage: true });
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', landscape: true });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await page.close();
  });

  it('refuses the page without a read token', async () => {
    const r = await fetch(`${e.c.url}/customers/cust-a/sla/2026-11`);
    expect(r.status).toBe(401);
    expect((await fetch(`${e.c.url}/customers/nobody/sla/2026-11?token=${API.read}`)).status).toBe(404);
  });
});
