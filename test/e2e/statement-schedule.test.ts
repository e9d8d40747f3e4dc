/**
 * Month-end statements frozen by the running collector, each when the month
 * ends in its customer's own time zone: October 2026 in Asia/Shanghai (ends
 * 16:00 UTC) and in Europe/Berlin (a DST month, 745 hours, ends 23:00 UTC),
 * under a clock the test moves. Each is rendered to PDF by headless Chromium,
 * stored with its CSV, scenario export and manifest, served by the API byte
 * for byte, verifies offline, and is frozen once.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../collector/src/cli/verify.ts';
import { newSigningKey } from '../../collector/src/evidence/keys.ts';
import { tempDir } from '../support/temp.ts';
import { newWebhookSecret } from '../../collector/src/delivery/signature.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../support/api-harness.ts';
import { run } from '../support/procs.ts';
import { eventually, sleep } from '../support/wait.ts';

const START = Date.parse('2026-10-31T15:00:00Z');
let env: ApiEnv | undefined;
afterEach(async () => { if (env) await stopApi(env); env = undefined; });

const customers = [
  { id: 'cust-sh', name: 'Shanghai <b>Trading</b>', timezone: 'Asia/Shanghai', network: { ports: ['sw1/ge-0/0/1'] } },
  { id: 'cust-be', name: 'Berlin GmbH', timezone: 'Europe/Berlin', network: { ports: ['sw1/ge-0/0/2'] } },
];
const list = async (e: ApiEnv, id: string) => (await call(e, 'GET', `/api/v1/customers/${id}/statements`, { token: 'read' })).json.statements as any[];

describe('month-end statements in the running collector', () => {
  it('freezes each customer\'s month when it ends in the customer\'s zone, once, and serves files that verify', async () => {
    const keys = tempDir('dcp-statement-key-');
    const key = newSigningKey();
    await writeFile(join(keys.dir, 'provider.key'), key.privatePem, { mode: 0o600 });
    await writeFile(join(keys.dir, 'provider.pem'), key.publicPem);
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start({ secret });
    // The collector signs with its clock, which this test sets to October: only the timestamp is stale.
    receiver.respond = (r) => ({ status: r.check === 'ok' || r.check === 'stale_timestamp' ? 200 : 401 });
    const notices = { customers: [{ customer: 'cust-be', webhook: { url: receiver.url, secret } }] };
    env = await startApi(START, { customers, notices, statements: { delaySeconds: 60, checkIntervalSeconds: 0.2, renderTimeoutSeconds: 90, issuer: 'Example IDC', signingKeyFile: join(keys.dir, 'provider.key') } });
    const e = env;
    await sleep(500);
    expect([await list(e, 'cust-sh'), await list(e, 'cust-be')]).toEqual([[], []]);

    // Shanghai's October has ended (16:00 UTC) and the minute's delay passed; Berlin's has not.
    e.clock.now = Date.parse('2026-10-31T16:01:30Z');
    const sh = await eventually(() => list(e, 'cust-sh'), (l) => l.length === 1, 120_000, 200);
    expect(sh[0]).toMatchObject({ id: 'ST-cust-sh-2026-10-r0', month: '2026-10', revision: 0, issuedAt: '2026-11-01T00:01:30+08:00' });
    expect(await list(e, 'cust-be')).toEqual([]);

    e.clock.now = Date.parse('2026-10-31T23:01:30Z');
    const be = await eventually(() => list(e, 'cust-be'), (l) => l.length === 1, 120_000, 200);
    expect(be[0]).toMatchObject({ id: 'ST-cust-be-2026-10-r0', month: '2026-10', issuedAt: '2026-11-01T00:01:30+01:00' });
    expect(be[0].files.map((f: any) => f.name)).toEqual(['ST-cust-be-2026-10-r0.csv', 'ST-cust-be-2026-10-r0.manifest.json', 'ST-cust-be-2026-10-r0.pdf', 'ST-cust-be-2026-10-r0.scenario.json']);

    // Later ticks freeze nothing again.
    await sleep(1000);
    expect([(await list(e, 'cust-sh')).length, (await list(e, 'cust-be')).length]).toEqual([1, 1]);

    const dir = join(e.tmp.dir, 'downloaded');
    await mkdir(dir);
    for (const f of be[0].files) {
      const r = await fetch(`${e.c.url}/api/v1/customers/cust-be/statements/2026-10/${f.name}`, { headers: { authorization: `Bearer ${API.read}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-content-sha256')).toBe(f.sha256);
      await writeFile(join(dir, f.name), Buffer.from(await r.arrayBuffer()));
    }
    const out: string[] = [];
    expect(await verifyCommand([join(dir, 'ST-cust-be-2026-10-r0.manifest.json'), '--public-key', join(keys.dir, 'provider.pem')], { out: (x) => out.push(x), err: (x) => out.push(x) })).toBe(0);
    keys.cleanup();
    expect(out.at(-1)).toBe('verified');
    expect(out).toContain(`ST-cust-be-2026-10-r0.manifest.json: signature ok (key ${key.keyId})`);

    // Delivered through cust-be's webhook (cust-sh has no channel): the files named with the SHA-256 the API serves.
    await eventually(async () => receiver.accepted.size, (n) => n === 1, 30_000, 100);
    await receiver.stop();
    const [id, body] = [...receiver.accepted][0]!;
    expect(receiver.requests.map((r) => r.check)).toEqual(['stale_timestamp']);
    expect(id).toBe('D-ST-cust-be-2026-10-r0-webhook');
    const sent = JSON.parse(body!);
    expect(sent).toMatchObject({ type: 'dcprobe.statement', statement: 'ST-cust-be-2026-10-r0', manifest: { statement: 'ST-cust-be-2026-10-r0', month: '2026-10' } });
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(sent.files.map(({ base64: _b, ...f }: any) => f).sort(byName)).toEqual([...be[0].files].sort(byName));
    for (const f of sent.files) expect(createHash('sha256').update(Buffer.from(f.base64, 'base64')).digest('hex')).toBe(f.sha256);
  }, 300_000);
});
