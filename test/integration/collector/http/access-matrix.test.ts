/**
 * Who may call what, walked from the collector's own route table: every route
 * × every caller (none, each NOC role, a customer token on its own customer and
 * on another, a share link, a tampered one, an expired one) against a real
 * collector. The expected status comes from the route's declared access, and a
 * path parameter the test cannot fill fails the test, so a new route cannot be
 * left out of the matrix.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, CUSTOMER_TOKEN, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import type { Access } from '../../../../collector/src/http/access.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const RANK = { read: 1, write: 2, admin: 3 } as const;
const NET = (p: string) => ({ ports: [`sw1/${p}`] });

type Caller = 'none' | 'read' | 'write' | 'admin' | 'customer-own' | 'customer-other' | 'link-own' | 'link-tampered' | 'link-expired';
const CALLERS: Caller[] = ['none', 'read', 'write', 'admin', 'customer-own', 'customer-other', 'link-own', 'link-tampered', 'link-expired'];

interface Route { method: string; path: string; access: Access }

let e: ApiEnv;
let routes: readonly Route[];
const links: Record<'own' | 'expired', string> = { own: '', expired: '' };

/**
 * A value for a path parameter that is not the customer the request concerns:
 * an existing thing of the kind the path names. Add a line here for a new kind.
 */
function sample(path: string, param: string): string {
  if (param === 'month') return '2026-11';
  if (param === 'file') return 'statement.csv';
  if (param === 'id' && path.startsWith('/api/v1/notices/')) return 'N-A';
  if (param === 'name' && path.startsWith('/api/v1/tokens/')) return 'made-for-matrix';
  if (param === 'id' && path.startsWith('/api/v1/exclusions/')) return 'X-1';
  if (param === 'id' && path.startsWith('/api/v1/reports/')) return 'R-A';
  if (param === 'id' && path.startsWith('/api/v1/operations/')) return 'O-A';
  if (param === 'id' && (path.startsWith('/api/v1/customers/') || path.startsWith('/customers/'))) return 'cust-a';
  throw new Error(`no sample value for {${param}} in ${path}: add one to the access matrix`);
}

/** The path for a caller: the concerned customer (or its report, its operation) is the caller's own or the other one. */
function pathFor(r: Route, other: boolean): string {
  let query = '';
  const scope = r.access.customer;
  const path = r.path.replace(/\{(\w+)\}/g, (_m, p: string) => {
    if (scope && typeof scope === 'object' && 'param' in scope && scope.param === p) return other ? 'cust-b' : 'cust-a';
    if (scope && typeof scope === 'object' && 'report' in scope && scope.report === p) return other ? 'R-B' : 'R-A';
    if (scope && typeof scope === 'object' && 'operation' in scope && scope.operation === p) return other ? 'O-B' : 'O-A';
    return sample(r.path, p);
  });
  if (scope && typeof scope === 'object' && 'query' in scope) query = `?${scope.query}=${other ? 'cust-b' : 'cust-a'}`;
  return path + query;
}

function bodyFor(r: Route, other: boolean): unknown {
  if (r.method === 'GET' || r.method === 'DELETE') return undefined;
  return r.access.customer === 'self' ? { customer: other ? 'cust-b' : 'cust-a', service: 'network' } : {};
}

/** What the declared access says a caller gets: 'ok' (the guard let it through), or the guard's status. */
function expected(a: Access, method: string, who: Caller): 'ok' | 401 | 403 | 404 {
  const scoped = a.customer !== undefined;
  const linkable = a.links === true && method === 'GET' && scoped;
  switch (who) {
    case 'none': return a.role === 'public' ? 'ok' : 401;
    case 'read': case 'write': case 'admin': return a.role === 'public' || RANK[who] >= RANK[a.role] ? 'ok' : 403;
    case 'customer-own': return scoped ? 'ok' : 403;
    case 'customer-other': return scoped ? 404 : 403;
    case 'link-own': return linkable ? 'ok' : a.role === 'public' ? 'ok' : 401;
    case 'link-tampered': case 'link-expired': return linkable ? 403 : a.role === 'public' ? 'ok' : 401;
  }
}

async function request(r: Route, who: Caller) {
  const other = who === 'customer-other' || who === 'link-tampered';
  let path = pathFor(r, other);
  const body = bodyFor(r, other);
  const sep = path.includes('?') ? '&' : '?';
  if (who === 'link-own' || who === 'link-tampered') path += sep + links.own; // tampered: cust-a's signature on cust-b's page
  if (who === 'link-expired') path += sep + links.expired;
  const opts = who === 'none' || who.startsWith('link-') ? { token: null }
    : who.startsWith('customer-') ? { bearer: CUSTOMER_TOKEN } : { token: who as keyof typeof API };
  return call(e, r.method, path, { ...opts, ...(body !== undefined ? { body } : {}) });
}

beforeAll(async () => {
  e = await startApi(NOW, {
    apiTokens: [
      { name: 'noc-viewer', role: 'read', token: API.read }, { name: 'noc-desk', role: 'write', token: API.write },
      { name: 'noc-admin', role: 'admin', token: API.admin }, { name: 'cust-a-portal', role: 'customer', customer: 'cust-a', token: CUSTOMER_TOKEN },
    ],
    customers: [{ id: 'cust-a', network: NET('ge-0/0/1') }, { id: 'cust-b', network: NET('ge-0/0/2') }],
    notices: { customers: [] }, statements: {},
  });
  for (const [id, customer] of [['R-A', 'cust-a'], ['R-B', 'cust-b']] as const) {
    expect((await call(e, 'POST', '/api/v1/reports', { body: { id, customer, service: 'network', reportedAt: '2026-11-20T10:00:00+08:00' } })).status).toBe(201);
  }
  for (const [id, customer] of [['O-A', 'cust-a'], ['O-B', 'cust-b']] as const) {
    expect((await call(e, 'POST', '/api/v1/operations', { body: { id, customer, authorisedAt: '2026-11-20T10:00:00+08:00' } })).status).toBe(201);
  }
  expect((await call(e, 'POST', '/api/v1/exclusions', { body: { id: 'X-1', customer: 'cust-a', start: '2026-11-02T00:00:00+08:00', end: '2026-11-02T01:00:00+08:00', category: 'maintenance', ref: 'CHG-1' } })).status).toBe(201);
  // A notice and a frozen statement of cust-a's, as the notice and statement services store them.
  expect(await e.c.store.recordNotice({ id: 'N-A', report: 'R-A', customer: 'cust-a', draft: '{}', status: 'drafted', draftedAt: NOW, confirmedAt: null, confirmedBy: null, deliveredAt: null })).toBe(true);
  const csv = Buffer.from('customer,month\r\ncust-a,2026-11\r\n');
  await e.c.store.recordStatement({ id: 'S-A', customer: 'cust-a', month: '2026-11', revision: 0, issuedAt: NOW, reason: null,
    files: [{ name: 'statement.csv', mediaType: 'text/csv', sha256: createHash('sha256').update(csv).digest('hex'), content: csv }] });
  expect((await call(e, 'POST', '/api/v1/tokens', { body: { name: 'made-for-matrix', role: 'read' } })).status).toBe(201);
  links.own = new URL(`http://x${(await call(e, 'POST', '/api/v1/customers/cust-a/share-links', { body: { expiresAt: '2026-11-27T12:00:00+08:00' } })).json.path}`).search.slice(1);
  // Signed by the same key, already expired as of the collector's clock.
  links.expired = e.c.shareLinks.query('cust-a', NOW - 1000);
  routes = e.c.routes;
}, 60_000);
afterAll(async () => { await stopApi(e); });

describe('the access matrix (route table × caller)', () => {
  it('covers a route table with unique routes, each declaring its access', () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    expect(new Set(routes.map((r) => `${r.method} ${r.path}`)).size).toBe(routes.length);
    for (const r of routes) expect(['public', 'read', 'write', 'admin']).toContain(r.access.role);
  });

  it('answers every route and caller as its declared access says', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const r of routes) {
      for (const who of CALLERS) {
        const want = expected(r.access, r.method, who);
        const got = await request(r, who);
        checked++;
        const guardStatuses = who.startsWith('customer-') ? [401, 403, 404] : [401, 403];
        const ok = want === 'ok'
          ? (r.method === 'GET' ? got.status === 200 : !guardStatuses.includes(got.status))
          : got.status === want;
        if (!ok) wrong.push(`${who} ${r.method} ${r.path}: want ${want}, got ${got.status} ${got.text.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(routes.length * CALLERS.length);
  }, 120_000);
});
