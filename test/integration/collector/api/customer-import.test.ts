/**
 * Customers from CSV through POST /api/v1/customers/import and the
 * `dcprobe-collector customers import` command: added, re-versioned and ended
 * with history (versions, tenures, audit), checked whole before anything is
 * recorded, idempotent, and followed by the metrics.
 */
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { main } from '../../../../collector/src/cli.ts';

const t = (s: string) => Date.parse(s);
const NOW = t('2026-11-20T12:00:00+08:00');

async function post(e: ApiEnv, csv: string, opts: { dryRun?: boolean; token?: keyof typeof API } = {}) {
  const r = await fetch(`${e.c.url}/api/v1/customers/import${opts.dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST', headers: { authorization: `Bearer ${API[opts.token ?? 'admin']}`, 'content-type': 'text/csv' }, body: csv,
  });
  return { status: r.status, json: await r.json() as any };
}
const get = async (e: ApiEnv, path: string) => (await fetch(`${e.c.url}${path}`, { headers: { authorization: `Bearer ${API.read}` } })).json() as Promise<any>;

const FILE = [
  'id,action,validFrom,name,ports,uplinks,feeds',
  'acme-01,,2026-11-15T00:00:00+08:00,"ACME, Ltd",sw1/ge-0/0/5 sw1/ge-0/0/6,sw1/xe-0/1/0,',
  'globex,set,,,,,ups1/output',
  'cust-a,,2026-11-18T00:00:00+08:00,,sw1/ge-0/0/2,,',
].join('\n');

describe('customers import', () => {
  let e: ApiEnv;
  beforeEach(async () => { e = await startApi(NOW); });
  afterEach(async () => { await stopApi(e); });

  it('adds customers and records a new version of an existing one, each as of its validFrom, with its audit row', async () => {
    const r = await post(e, FILE);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toEqual({
      dryRun: false, counts: { create: 2, new_version: 1, end: 0, unchanged: 0 },
      changes: [
        { line: 2, id: 'acme-01', action: 'create', version: 1, validFrom: '2026-11-15T00:00:00+08:00' },
        { line: 3, id: 'globex', action: 'create', version: 1, validFrom: '2026-11-20T12:00:00+08:00' },
        { line: 4, id: 'cust-a', action: 'new_version', version: 2, validFrom: '2026-11-18T00:00:00+08:00' },
      ],
    });
    const acme = await get(e, '/api/v1/customers/acme-01');
    expect(acme.spec).toMatchObject({ name: 'ACME, Ltd', network: { ports: ['sw1/ge-0/0/5', 'sw1/ge-0/0/6'], uplinks: ['sw1/xe-0/1/0'], redundancy: 'any' } });
    expect(acme.audit).toEqual([expect.objectContaining({ actor: 'noc-admin', action: 'create', version: 1 })]);
    // The existing customer keeps its uplink (empty cell) and gets the new port from the 18th.
    const a = await get(e, '/api/v1/customers/cust-a');
    expect(a.spec.network).toEqual({ ports: ['sw1/ge-0/0/2'], uplinks: ['sw1/xe-0/1/0'], redundancy: 'any' });
    expect(a.tenures).toEqual([{ version: 1, from: null, to: '2026-11-18T00:00:00+08:00' }, { version: 2, from: '2026-11-18T00:00:00+08:00', to: null }]);
    // A row with only the ports keeps the rest of the latest version (name, uplinks, terms).
    await post(e, 'id,ports\nacme-01,sw1/ge-0/0/8\n');
    expect((await get(e, '/api/v1/customers/acme-01')).spec).toMatchObject({ name: 'ACME, Ltd', network: { ports: ['sw1/ge-0/0/8'], uplinks: ['sw1/xe-0/1/0'] } });
  });

  it('ends a customer: its history stays, its ports are nobody\'s, its coverage is no longer judged; ending again changes nothing', async () => {
    expect((await post(e, FILE)).status).toBe(200);
    const end = await post(e, 'id,action,validFrom\nacme-01,end,2026-11-19T00:00:00+08:00\n');
    expect(end.json.changes).toEqual([{ line: 2, id: 'acme-01', action: 'end', version: 2, validFrom: '2026-11-19T00:00:00+08:00' }]);
    const acme = await get(e, '/api/v1/customers/acme-01');
    expect(acme.spec).not.toHaveProperty('network');
    expect(acme.tenures.map((x: any) => [x.version, x.to])).toEqual([[1, '2026-11-19T00:00:00+08:00'], [2, null]]);
    // It had the service four days this month: still in the month's figures, but no longer judged for coverage.
    const m = await e.c.metricsText();
    expect(m).toMatch(/^dcprobe_sla_allowed_seconds\{customer="acme-01",service="network"\} /m);
    expect(m).not.toMatch(/^dcprobe_sla_coverage_window_ratio\{customer="acme-01"/m);
    expect((await post(e, 'id,action\nacme-01,end\n')).json.counts).toEqual({ create: 0, new_version: 0, end: 0, unchanged: 1 });
  });

  it('records nothing again when the same file is imported twice, or on a dry run', async () => {
    const dry = await post(e, FILE, { dryRun: true });
    expect(dry.json).toMatchObject({ dryRun: true, counts: { create: 2, new_version: 1, end: 0, unchanged: 0 } });
    expect(dry.json.changes.every((c: any) => c.version === null)).toBe(true);
    expect((await get(e, '/api/v1/customers')).customers.map((c: any) => c.id)).toEqual(['cust-a']);
    await post(e, FILE);
    expect((await post(e, FILE)).json.counts).toEqual({ create: 0, new_version: 0, end: 0, unchanged: 3 });
    expect((await get(e, '/api/v1/customers/cust-a')).history).toHaveLength(2);
  });

  it('checks every row before recording any: a 400 naming each bad line and column, and nothing recorded', async () => {
    const bad = [
      'id,action,validFrom,ports,feeds,redundancy',
      'ok-1,,,sw1/ge-0/0/9,,',
      'bad id,,,sw1/ge-0/0/10,,',
      'no-svc,,,,,',
      'x-1,,yesterday,sw1/p1,,',
      'x-2,,,sw1/p2,,both',
      'x-3,end,,,,',
      'ok-1,,,sw1/ge-0/0/11,,',
      'x-4,,,no-slash,,',
      'cust-a,end,,sw1/p9,,',
    ].join('\n');
    const r = await post(e, bad);
    expect(r.status).toBe(400);
    expect(r.json.error.message.split('\n')).toEqual([
      'line 3: id: letters, digits, . _ - only',
      'line 4: ports: a customer needs a network or a power service',
      'line 5: validFrom: expected an ISO 8601 time with an offset, got "yesterday"',
      'line 6: redundancy: Invalid option: expected one of "any"|"all"',
      'line 7: id: no customer "x-3" to end',
      'line 8: id: "ok-1" is already on line 2',
      'line 9: ports[0]: expected <device>/<port-or-feed>',
      'line 10: ports: not used with action end',
    ]);
    expect((await get(e, '/api/v1/customers')).customers.map((c: any) => c.id)).toEqual(['cust-a']);
    expect((await post(e, 'id,port\na,sw1/p1\n')).json.error.message).toBe('line 1: column "port": unknown (columns: id, action, validFrom, name, timezone, ports, uplinks, redundancy, feeds)');
    expect((await post(e, 'id,ports\n')).json.error.message).toBe('line 2: no customer rows after the header');
    expect((await post(e, 'id,ports\na,sw1/p1,extra\n')).json.error.message).toBe('line 2: row: 3 fields, the header has 2');
  });

  it('is for admins only', async () => {
    expect((await post(e, FILE, { token: 'write' })).status).toBe(403);
  });

  it('labels the imported ports with their customers in the domain metrics, and stops once a customer ends', async () => {
    const agent = await TestAgent.connect(e.c.wsUrl, TOKENS['rack-a1']);
    onTestFinished(() => agent.close());
    await agent.hello('rack-a1');
    await agent.events([portEvent(1, 'up', NOW - 60_000, 'sw1/ge-0/0/7')], 1);
    const owners = async () => (await e.c.metricsText()).split('\n').filter((l) => l.startsWith('dcprobe_port_up{device="sw1",port="ge-0/0/7"'));
    expect(await owners()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/7",customer=""} 1']);
    await post(e, 'id,ports\nacme-01,sw1/ge-0/0/7\n');
    expect(await owners()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/7",customer="acme-01"} 1']);
    await post(e, 'id,action\nacme-01,end\n');
    expect(await owners()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/7",customer=""} 1']);
  });
});

describe('dcprobe-collector customers import', () => {
  let e: ApiEnv;
  beforeEach(async () => { e = await startApi(NOW); });
  afterEach(async () => { await stopApi(e); });

  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'dcp-import-'));
    onTestFinished(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };
  const run = async (args: string[]) => {
    let out = '', err = '';
    const code = await main(['customers', ...args], { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
    return { code, out, err };
  };

  it('sends the file with a token from a file, prints each change, and exits 2 on a bad file naming it', async () => {
    const d = dir();
    writeFileSync(join(d, 'token'), `${API.admin}\n`);
    writeFileSync(join(d, 'c.csv'), FILE);
    const r = await run(['import', join(d, 'c.csv'), '--url', e.c.url, '--token-file', join(d, 'token')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'line 2\tacme-01\tcreate v1\tfrom 2026-11-15T00:00:00+08:00',
      'line 3\tglobex\tcreate v1\tfrom 2026-11-20T12:00:00+08:00',
      'line 4\tcust-a\tnew_version v2\tfrom 2026-11-18T00:00:00+08:00',
      `${join(d, 'c.csv')}: 2 created, 1 new versions, 0 ended, 0 unchanged`,
      '',
    ]);
    writeFileSync(join(d, 'bad.csv'), 'id,ports\nok,sw1/p1\nbad id,sw1/p2\nworse id,sw1/p3\n');
    const b = await run(['import', join(d, 'bad.csv'), '--url', e.c.url, '--token-file', join(d, 'token'), '--dry-run']);
    expect(b.code).toBe(2);
    expect(b.err.trim().split('\n')).toEqual([
      `${join(d, 'bad.csv')}: line 3: id: letters, digits, . _ - only`,
      `${join(d, 'bad.csv')}: line 4: id: letters, digits, . _ - only`,
    ]);
    expect(b.err).not.toContain(API.admin);
  });

  it('says what is missing: a token, a reachable collector, a file', async () => {
    const d = dir();
    writeFileSync(join(d, 'c.csv'), FILE);
    const saved = process.env.DCPROBE_API_TOKEN;
    delete process.env.DCPROBE_API_TOKEN;
    try {
      expect(await run(['import', join(d, 'c.csv'), '--url', e.c.url])).toMatchObject({ code: 2, err: 'customers import: no API token (--token-file FILE or DCPROBE_API_TOKEN)\n' });
      process.env.DCPROBE_API_TOKEN = API.admin;
      const closed = await run(['import', join(d, 'c.csv'), '--url', 'http://127.0.0.1:9']);
      expect(closed.code).toBe(1);
      expect(closed.err).toMatch(/^customers import: cannot reach the collector at http:\/\/127\.0\.0\.1:9: /);
      expect(await run(['import', join(d, 'nope.csv'), '--url', e.c.url])).toMatchObject({ code: 2, err: `customers import: cannot read ${join(d, 'nope.csv')}: ENOENT\n` });
      const dry = await run(['import', join(d, 'c.csv'), '--url', e.c.url, '--dry-run']);
      expect(dry.out).toContain('2 created, 1 new versions, 0 ended, 0 unchanged (dry run: nothing recorded)');
    } finally {
      if (saved === undefined) delete process.env.DCPROBE_API_TOKEN; else process.env.DCPROBE_API_TOKEN = saved;
    }
  });
});
