/**
 * A correction after a month was frozen, in the running collector: the frozen
 * statement stays byte for byte (same files, same SHA-256); the correction
 * produces revision 1, which names revision 0 with its manifest digest, says
 * what changed (the diff of the two results) and why (the correction, who made
 * it, its reason), and is served beside it. A change that leaves the month's
 * result as it was (a report of the next month) produces no revision.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { API, call, startApi, stopApi, type ApiEnv } from '../support/api-harness.ts';
import { eventually, sleep } from '../support/wait.ts';

const START = Date.parse('2026-10-31T15:00:00Z');
let env: ApiEnv | undefined;
afterEach(async () => { if (env) await stopApi(env); env = undefined; });

const customers = [{ id: 'cust-sh', timezone: 'Asia/Shanghai', network: { ports: ['sw1/ge-0/0/1'] } }];
const list = async (e: ApiEnv) => (await call(e, 'GET', '/api/v1/customers/cust-sh/statements', { token: 'read' })).json.statements as any[];
const download = async (e: ApiEnv, name: string) => {
  const r = await fetch(`${e.c.url}/api/v1/customers/cust-sh/statements/2026-10/${name}`, { headers: { authorization: `Bearer ${API.read}` } });
  expect(r.status).toBe(200);
  return Buffer.from(await r.arrayBuffer());
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a correction to a frozen month', () => {
  it('leaves the frozen statement as issued and produces a revision that says what changed and why', async () => {
    env = await startApi(START, { customers, statements: { delaySeconds: 60, checkIntervalSeconds: 0.2, renderTimeoutSeconds: 90, issuer: 'Example IDC' } });
    const e = env;
    const report = { id: 'R-1', customer: 'cust-sh', service: 'network', reportedAt: '2026-10-20T10:00:00+08:00',
      claimedStart: '2026-10-20T09:00:00+08:00', claimedEnd: '2026-10-20T09:30:00+08:00' };
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: report })).status).toBe(201);

    e.clock.now = Date.parse('2026-10-31T16:01:30Z');
    const [r0] = await eventually(() => list(e), (l) => l.length === 1, 120_000, 200);
    expect(r0).toMatchObject({ id: 'ST-cust-sh-2026-10-r0', revision: 0, reason: null, revises: null });
    const before = new Map<string, Buffer>();
    for (const f of r0.files) before.set(f.name, await download(e, f.name));

    // A report of November changes nothing in October: no revision.
    e.clock.now = Date.parse('2026-11-02T02:00:00Z');
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { ...report, id: 'R-2', reportedAt: '2026-11-02T10:00:00+08:00', claimedStart: null, claimedEnd: null } })).status).toBe(201);
    await e.c.statements!.revisionsSettled();
    expect((await list(e)).length).toBe(1);

    e.clock.now = Date.parse('2026-11-03T02:00:00Z');
    const put = await call(e, 'PUT', '/api/v1/reports/R-1', { token: 'write', body: { claimedEnd: '2026-10-20T10:30:00+08:00', reason: 'the customer\'s ticket <b>#42</b> gave the end' } });
    expect(put.status).toBe(200);
    const all = await eventually(() => list(e), (l) => l.length === 2, 120_000, 200);
    const r1 = all.find((s) => s.revision === 1);
    expect(r1).toMatchObject({ id: 'ST-cust-sh-2026-10-r1', month: '2026-10', revises: 'ST-cust-sh-2026-10-r0', issuedAt: '2026-11-03T10:00:00+08:00' });
    expect(r1.reason).toBe('report R-1 version 2 (correct) by noc-desk: the customer\'s ticket <b>#42</b> gave the end');

    // Revision 0 is served as it was issued, with the same digests.
    const again = all.find((s) => s.revision === 0);
    expect(again).toEqual(r0);
    for (const f of r0.files) {
      const b = await download(e, f.name);
      expect(b.equals(before.get(f.name)!)).toBe(true);
      expect(sha(b)).toBe(f.sha256);
    }

    // Revision 1 cites revision 0's manifest and says what changed.
    const m0 = JSON.parse(before.get('ST-cust-sh-2026-10-r0.manifest.json')!.toString('utf8'));
    const m1 = JSON.parse((await download(e, 'ST-cust-sh-2026-10-r1.manifest.json')).toString('utf8'));
    expect(m1.revises).toMatchObject({ statement: 'ST-cust-sh-2026-10-r0', manifestDigest: m0.evidence.digest, reason: r1.reason });
    expect(m1.revises.changes).toContainEqual({ path: 'customers.cust-sh.network.reports.R-1.claimedEnd', before: '2026-10-20T09:30:00+08:00', after: '2026-10-20T10:30:00+08:00' });
    const pdf = await download(e, 'ST-cust-sh-2026-10-r1.pdf');
    expect(sha(pdf)).toBe(r1.files.find((f: any) => f.name.endsWith('.pdf')).sha256);

    // Checked again without a further change: still two.
    await sleep(300);
    expect((await list(e)).length).toBe(2);
  }, 300_000);
});
