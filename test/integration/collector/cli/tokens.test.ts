/**
 * `dcprobe-collector tokens` and `share-link` against a real collector: a
 * token made from the CLI is printed once, on stdout alone, works for its
 * role at once, is listed without its secret, and stops working when revoked;
 * a share link opens its customer's page. Neither secret reaches stderr or
 * the collector's log. Refusals exit 2 with the API's message.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../collector/src/cli.ts';
import { makeLogger } from '../../../../collector/src/log.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');
const logLines: string[] = [];
let e: ApiEnv;
let adminFile: string;

beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
  e = await startApi(NOW, { customers: [{ id: 'cust-a', network: { ports: ['sw1/ge-0/0/1'] } }, { id: 'cust-b', network: { ports: ['sw1/ge-0/0/2'] } }] },
    { log: makeLogger('info', sink) });
  adminFile = join(e.tmp.dir, 'admin.token');
  writeFileSync(adminFile, `${API.admin}\n`, { mode: 0o600 });
}, 60_000);
afterAll(async () => { await stopApi(e); });

async function cli(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err: err.join('\n') };
}
const api = () => ['--url', e.c.url, '--token-file', adminFile];

describe('dcprobe-collector tokens', () => {
  it('creates a customer token shown once on stdout, lists it without its secret, and revokes it', async () => {
    const made = await cli('tokens', 'create', 'cust-a-portal', '--role', 'customer', '--customer', 'cust-a', ...api());
    expect(made.code).toBe(0);
    expect(made.out).toHaveLength(1);
    const token = made.out[0]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(made.err).toBe('created token cust-a-portal (role customer, customer cust-a): shown once, above; store it now');
    expect((await call(e, 'GET', '/api/v1/customers/cust-a/sla', { bearer: token })).status).toBe(200);
    expect((await call(e, 'GET', '/api/v1/customers/cust-b/sla', { bearer: token })).status).toBe(404);

    const list = await cli('tokens', 'list', ...api());
    expect(list.code).toBe(0);
    expect(list.out[0]).toBe('name\trole\tcustomer\tcreatedAt\tcreatedBy\trevokedAt\trevokedBy');
    expect(list.out[1]).toMatch(/^cust-a-portal\tcustomer\tcust-a\t2026-11-20T04:00:00Z\tnoc-admin\t-\t-$/);
    expect(list.out.join('\n')).not.toContain(token);

    const revoked = await cli('tokens', 'revoke', 'cust-a-portal', ...api());
    expect([revoked.code, revoked.out, revoked.err]).toEqual([0, [], 'revoked token cust-a-portal at 2026-11-20T04:00:00Z']);
    expect((await call(e, 'GET', '/api/v1/customers/cust-a/sla', { bearer: token })).status).toBe(401);
    expect((await cli('tokens', 'list', ...api())).out[1]).toMatch(/\t2026-11-20T04:00:00Z\tnoc-admin$/);

    expect(logLines.join('')).not.toContain(token);
    expect(logLines.join('')).not.toContain(API.admin);
    expect(made.err + list.err + revoked.err).not.toContain(API.admin);
  });

  it('refuses what the API refuses (exit 2, its message), a missing token, and a non-admin token', async () => {
    const dup = await cli('tokens', 'create', 'twice', '--role', 'read', ...api());
    expect(dup.code).toBe(0);
    const again = await cli('tokens', 'create', 'twice', '--role', 'read', ...api());
    expect([again.code, again.out]).toEqual([2, []]);
    expect(again.err).toMatch(/^tokens create: name: /);
    const bad = await cli('tokens', 'create', 'x', '--role', 'root', ...api());
    expect([bad.code, bad.err]).toEqual([2, 'tokens create: role: expected one of read, write, admin, customer']);
    expect((await cli('tokens', 'revoke', 'nobody', ...api())).code).toBe(2);

    const noToken = await cli('tokens', 'list', '--url', e.c.url, '--token-file', join(e.tmp.dir, 'missing'));
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('tokens list: cannot read the token file');
    const readFile = join(e.tmp.dir, 'read.token');
    writeFileSync(readFile, API.read, { mode: 0o600 });
    const weak = await cli('tokens', 'list', '--url', e.c.url, '--token-file', readFile);
    expect(weak.code).toBe(2);
    expect(weak.err).not.toContain(API.read);
    expect((await cli('tokens', 'list', '--role', 'read', ...api())).code).toBe(2);
    expect((await cli('tokens')).code).toBe(2);
  });
});

describe('dcprobe-collector share-link', () => {
  it('prints a link, on stdout only, that opens the customer\'s page until it expires', async () => {
    const before = Date.now();
    const r = await cli('share-link', '--customer', 'cust-a', '--expires', '7d', ...api());
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const link = new URL(r.out[0]!);
    expect(link.pathname).toBe('/customers/cust-a/sla/2026-11');
    // 7d counts from the machine's clock (the CLI's), not the collector's test clock.
    const until = Date.parse(/^share link for cust-a, valid until (\S+)$/.exec(r.err)![1]!);
    expect(until).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7 * 86_400_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('cust-a');
    // The signature is cust-a's: the same query on cust-b's page is refused.
    expect((await fetch(new URL(`/customers/cust-b/sla/2026-11${link.search}`, e.c.url))).status).toBe(403);
    expect(logLines.join('')).not.toContain(link.search.slice(1));

    const far = await cli('share-link', '--customer', 'cust-a', '--expires', '2027-06-01T00:00:00Z', ...api());
    expect([far.code, far.err]).toEqual([2, 'share-link: expiresAt: at most 92 days ahead']);
    expect((await cli('share-link', '--customer', 'cust-a', ...api())).code).toBe(2);
  });
});
