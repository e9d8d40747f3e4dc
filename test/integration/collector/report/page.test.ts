/**
 * The printable report page as served: every text that comes from outside (a customer's
 * name and subjects, an exclusion's reference, the name of the token that entered it) is
 * escaped, so markup in them shows as text and never becomes part of the page; and the
 * page is served with a Content-Security-Policy that lets it load nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Markup a person or a script could put in each field, and how the page must show it. */
const INJECTED = {
  name: '<xss-name>"quoted" & \'single\'</xss-name>',
  port: 'sw1/<xss-port>',
  feed: 'ups1/"><xss-feed>',
  ref: '"\'><xss-ref onload=alert(1)>',
  enteredBy: '<xss-by>',
};
const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('the report page', () => {
  let e: ApiEnv;
  beforeEach(async () => {
    e = await startApi(NOW, {
      apiTokens: [
        { name: 'noc-viewer', role: 'read', token: API.read },
        { name: INJECTED.enteredBy, role: 'write', token: API.write },
        { name: 'noc-admin', role: 'admin', token: API.admin },
      ],
    });
  });
  afterEach(async () => { await stopApi(e); });

  async function page(): Promise<{ status: number; headers: Headers; html: string }> {
    const r = await fetch(`${e.c.url}/customers/cust-x/sla/2026-11?token=${API.read}`);
    return { status: r.status, headers: r.headers, html: await r.text() };
  }

  it('shows markup from names, subjects, references and token names as text', async () => {
    const c = await call(e, 'POST', '/api/v1/customers', {
      body: { id: 'cust-x', name: INJECTED.name, network: { ports: [INJECTED.port] }, power: { feeds: [INJECTED.feed] }, validFrom: '2026-10-01T00:00:00+08:00' },
    });
    expect(c.status).toBe(201);
    for (const service of ['network', 'power']) {
      const x = await call(e, 'POST', '/api/v1/exclusions', {
        token: 'write',
        body: { customer: 'cust-x', service, start: '2026-11-05T10:00:00+08:00', end: '2026-11-05T11:00:00+08:00', category: 'maintenance', ref: INJECTED.ref },
      });
      expect(x.status).toBe(201);
    }
    const p = await page();
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // Nothing injected became an element or broke out of an attribute ...
    expect(p.html).not.toMatch(/<\/?xss-/);
    // ... and every field is on the page, escaped, where people read it.
    for (const [field, value] of Object.entries(INJECTED)) {
      expect(p.html, field).toContain(escaped(value));
    }
  });

  it('is served with a Content-Security-Policy that loads nothing from anywhere', async () => {
    expect((await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-x', network: { ports: ['sw1/ge-0/0/1'] } } })).status).toBe(201);
    const p = await page();
    expect(p.status).toBe(200);
    expect(p.headers.get('content-security-policy')).toBe(CSP);
    expect(p.headers.get('cache-control')).toBe('no-store');
    // The page itself references nothing outside: no scripts, no links, no remote images.
    expect(p.html).not.toMatch(/<script|<link|<iframe|\bsrc=|\bhref=/i);
  });
});
