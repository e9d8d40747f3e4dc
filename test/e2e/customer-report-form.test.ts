/**
 * A customer in a real headless Chromium: its share link opens its page
 * read-only (no form: a link can be handed on, so it files nothing); its own
 * token opens the page with the report form; a report filed through the form
 * is answered with the contract's timers and listed on the page with them.
 * What the customer typed (markup, a formula, quotes) shows as the text it
 * is: no element is made of it, no script runs, no dialog opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { API, CUSTOMER_TOKEN, startApi, stopApi, type ApiEnv } from '../support/api-harness.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HOSTILE = `=HYPERLINK("http://example.invalid","x")\n<img src=x onerror=alert(1)><script>alert(2)</script>"'&amp;`;

describe('a customer files a report through its page', () => {
  let e: ApiEnv;
  let browser: Browser;

  beforeAll(async () => {
    e = await startApi(NOW, {
      apiTokens: [{ name: 'noc-viewer', role: 'read', token: API.read }, { name: 'cust-a-portal', role: 'customer', customer: 'cust-a', token: CUSTOMER_TOKEN }],
      customers: [{ id: 'cust-a', name: 'Acme <i>Hosting</i>', timezone: 'Asia/Shanghai', network: { ports: ['sw1/ge-0/0/1'] }, power: { feeds: ['ups-a/output'] } }],
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (e) await stopApi(e);
  });

  it('opens read-only from a share link, files through the form with a token, and lists the report with its timers, its words as text', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    const link = `${e.c.url}/customers/cust-a/sla/2026-11?${e.c.shareLinks.query('cust-a', NOW + 7 * 86_400_000)}`;
    expect((await page.goto(link))?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toContain('Acme <i>Hosting</i>');
    expect(await page.locator('form').count()).toBe(0);

    expect((await page.goto(`${e.c.url}/customers/cust-a/sla/2026-11?token=${CUSTOMER_TOKEN}`))?.status()).toBe(200);
    await page.selectOption('select[name="service"]', 'network');
    await page.fill('input[name="claimedStart"]', '2026-11-20T09:00');
    await page.fill('input[name="claimedEnd"]', '2026-11-20T09:45');
    await page.fill('textarea[name="text"]', HOSTILE);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);

    const id = await page.locator('[data-figure="report"]').getAttribute('data-value');
    expect(id).toMatch(/^R-[0-9a-f]{10}$/);
    expect(await page.locator('[data-figure="reportedAt"]').getAttribute('data-value')).toBe('2026-11-20T12:00:00+08:00');
    const filed = await page.$$eval('td[data-figure]', (els) => els.map((x) => [x.getAttribute('data-figure'), x.getAttribute('data-value')]));
    expect(filed).toEqual([['firstResponse', 'open'], ['writtenReport', 'open'], ['resolution', 'open']]);

    await Promise.all([page.waitForNavigation(), page.click('text=Back to the report page')]);
    const row = (figure: string) => page.locator(`[data-service="network"][data-report="${id}"][data-figure="${figure}"]`);
    for (const t of ['firstResponse', 'writtenReport', 'resolution']) expect(await row(t).getAttribute('data-value')).toBe('running');
    expect(await row('writtenReport').innerText()).toContain('due 2026-11-20 16:00');
    expect(await row('claimedSeconds').getAttribute('data-value')).toBe(String(45 * 60));

    // The words, exactly as typed, as text: nothing of them became an element.
    expect(await page.locator(`table.words tr[data-report="${id}"] td`).innerText()).toBe(HOSTILE);
    expect(await page.locator('main img, main script, main i, main a[href*="example.invalid"]').count()).toBe(0);
    expect(await page.content()).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(dialogs).toEqual([]);
    expect(requests.every((u) => u.startsWith(e.c.url))).toBe(true);
    await page.close();
  }, 120_000);
});
