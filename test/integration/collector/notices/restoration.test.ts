/**
 * The restoration notice in the running collector, end to end over real
 * sockets: an open report, the service measured down then back up (events
 * from an agent over the WebSocket), the notice drafted after the settling
 * time, confirmed by the NOC, signed and posted to a real HTTP receiver; the
 * receiver's 2xx becomes the report's noticeAt in a new version whose audit
 * row carries every attempt. Then the receiver down for a while, and the
 * collector killed between send and receipt: one notice recorded, none lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../../../collector/src/delivery/signature.ts';
import { TOKENS, TestAgent, portEvent } from '../../../support/collector-harness.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { freeTcpPort } from '../../../support/ports.ts';
import { storeRows } from '../../../support/store-sql.ts';
import { tempDir, type TempDir } from '../../../support/temp.ts';
import { eventually, until } from '../../../support/wait.ts';
import { WebhookReceiver } from '../../../support/webhook-receiver.ts';

const CHILD = fileURLToPath(new URL('./collector-child.ts', import.meta.url));
const PORT = 'sw1/ge-0/0/1', UPLINK = 'sw1/xe-0/1/0';

const noticesConfig = (url: string, secret: string, autoSend = false) => ({
  settlingSeconds: 1, checkIntervalSeconds: 0.1, attemptTimeoutSeconds: 10,
  retry: { firstDelaySeconds: 0.1, maxDelaySeconds: 0.3, maxAttempts: 50, maxAgeHours: 1 },
  customers: [{ customer: 'cust-a', autoSend, webhook: { url, secret } }],
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanups.splice(0).reverse()) await f(); });

/** The port down since a minute ago, the uplink up; the agent stays connected for the recovery. */
async function measureOutage(wsUrl: string, now: number): Promise<TestAgent> {
  const a = await TestAgent.connect(wsUrl, TOKENS['rack-a1']);
  cleanups.push(() => a.close());
  await a.hello('rack-a1');
  await a.events([portEvent(1, 'up', now - 600_000, UPLINK), portEvent(2, 'up', now - 600_000), portEvent(3, 'down', now - 60_000)], 3);
  return a;
}

async function fileReport(base: { url: string }, id: string, reportedAt: number, customer = 'cust-a'): Promise<void> {
  const r = await fetch(`${base.url}/api/v1/reports`, {
    method: 'POST', headers: { authorization: `Bearer ${API.write}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, customer, service: 'network', reportedAt: new Date(reportedAt).toISOString(), text: 'link down <b>since</b> noon' }),
  });
  expect(r.status).toBe(201);
}

const noticeRows = (db: string) => storeRows<{ version: number; change: string; notice_at: number | null }>(db,
  `SELECT version, change, notice_at FROM report_versions WHERE report_id = 'R-1' ORDER BY version`);

describe('restoration notices in the running collector', () => {
  it('drafts the notice once the service is back for the settling time, delivers it through a receiver that was down, and takes noticeAt from its 2xx', async () => {
    const secret = newWebhookSecret();
    const port = await freeTcpPort();
    const url = `http://127.0.0.1:${port}/dcprobe/notices`;
    // cust-b has no delivery channel: its report gets no draft that nobody could send.
    const customers = [
      { id: 'cust-a', network: { ports: [PORT], uplinks: [UPLINK] } },
      { id: 'cust-b', network: { ports: ['sw1/ge-0/0/5'] } },
    ];
    const env: ApiEnv = await startApi(Date.now(), { customers, notices: noticesConfig(url, secret) }, { now: Date.now });
    cleanups.push(() => stopApi(env));
    const db = env.c.config.database;
    const t = Date.now();
    const agent = await measureOutage(env.c.wsUrl, t);
    await fileReport(env.c, 'R-1', t - 30_000);
    await fileReport(env.c, 'R-2', t - 30_000, 'cust-b');
    const b = (state: 'up' | 'down', at: number) => ({ subject: 'sw1/ge-0/0/5', kind: 'port' as const, state, at, via: 'poll' as const, agentId: null, seq: null });
    await env.c.store.importObservations([b('down', t - 60_000), b('up', t - 10_000)], t);

    // Still down: nothing is drafted.
    await new Promise((r) => setTimeout(r, 500));
    expect((await call(env, 'GET', '/api/v1/notices')).json.notices).toEqual([]);

    await agent.events([portEvent(4, 'up', Date.now())], 4);
    const drafted = await eventually(async () => (await call(env, 'GET', '/api/v1/notices')).json.notices, (l: any[]) => l.length === 1, 10_000);
    expect(drafted[0]).toMatchObject({ id: 'N-R-1', report: 'R-1', status: 'drafted', confirmedAt: null });
    expect(drafted[0].draft.outages).toHaveLength(1);
    // Drafted is not sent: nothing leaves before the NOC confirms.
    expect(storeRows(db, 'SELECT count(*) n FROM deliveries')[0].n).toBe(0);

    // A read token cannot send it; the desk can.
    expect((await call(env, 'POST', '/api/v1/notices/N-R-1/confirm', { token: 'read' })).status).toBe(403);
    expect((await call(env, 'POST', '/api/v1/notices/N-R-1/confirm', { token: 'write' })).json).toMatchObject({ status: 'confirmed', confirmedBy: 'noc-desk' });

    // The receiver is down: attempts are refused and retried.
    await eventually(async () => (await call(env, 'GET', '/api/v1/notices/N-R-1')).json.deliveries[0].attempts.length, (n: number) => n >= 2, 10_000);
    expect(noticeRows(db).map((r) => r.change)).toEqual(['create']);
    const receiver = await WebhookReceiver.start({ secret, port });
    cleanups.push(() => receiver.stop());

    const done = await eventually(async () => (await call(env, 'GET', '/api/v1/notices/N-R-1')).json, (n: any) => n.status === 'delivered', 10_000);
    const [delivery] = storeRows(db, 'SELECT id, receipt_at FROM deliveries');
    const rows = noticeRows(db);
    expect(rows.map((r) => [r.version, r.change])).toEqual([[1, 'create'], [2, 'notice']]);
    expect(rows[1]!.notice_at).toBe(delivery.receipt_at);
    expect(delivery.receipt_at).toBeGreaterThanOrEqual(receiver.requests[0]!.receivedAt);
    expect(receiver.requests.map((r) => [r.id, r.check])).toEqual([[delivery.id, 'ok']]);
    const body = JSON.parse(receiver.accepted.get(delivery.id)!);
    expect(body).toMatchObject({ type: 'dcprobe.restoration_notice', notice: { id: 'N-R-1', report: 'R-1', customer: 'cust-a', service: 'network' } });

    const outcomes = done.deliveries[0].attempts.map((a: any) => a.outcome.kind === 'receipt' ? 'receipt' : a.outcome.failure);
    expect(outcomes.slice(0, -1).every((o: string) => o === 'refused')).toBe(true);
    expect(outcomes.at(-1)).toBe('receipt');
    const report = (await call(env, 'GET', '/api/v1/reports/R-1')).json;
    expect(report.audit.at(-1)).toMatchObject({ action: 'notice', actor: 'delivery', version: 2, detail: { notice: 'N-R-1', delivery: delivery.id, channel: 'webhook' } });
    expect(report.audit.at(-1).detail.attempts).toHaveLength(outcomes.length);
  }, 60_000);

  it('records one notice and loses none when the collector is killed between send and receipt', async () => {
    const tmp: TempDir = tempDir();
    cleanups.push(() => tmp.cleanup());
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start({ secret });
    cleanups.push(() => receiver.stop());
    // The first request is taken in but its 2xx held back: the collector dies meanwhile.
    receiver.respond = () => (receiver.requests.length === 1 ? { status: 200, delayMs: 3000 } : { status: 200 });
    const config = JSON.stringify(noticesConfig(receiver.url, secret, true));
    const start = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, tmp.dir, config], { stdio: ['ignore', 'pipe', 'inherit'] });
      cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
      const [line] = await once(child.stdout!, 'data');
      return { child, url: `http://127.0.0.1:${Number(String(line).trim())}` };
    };

    const first = await start();
    const t = Date.now();
    const agent = await measureOutage(`${first.url.replace('http', 'ws')}/agent`, t);
    await fileReport(first, 'R-1', t - 30_000);
    await agent.events([portEvent(4, 'up', Date.now())], 4);
    // Auto-send: drafted and sent without the NOC; the receiver has it, the collector has no 2xx.
    await until(() => receiver.requests.length === 1, 20_000, 'the first request');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const db = join(tmp.dir, 'dcprobe.sqlite');
    expect(storeRows(db, 'SELECT status, receipt_at FROM deliveries')).toEqual([{ status: 'sending', receipt_at: null }]);
    await until(() => receiver.accepted.size === 1, 10_000, 'the held request to be processed');

    await start();
    await eventually(async () => storeRows(db, `SELECT status FROM notices`)[0]?.status, (s) => s === 'delivered', 20_000);
    const [d] = storeRows(db, 'SELECT id, receipt_at FROM deliveries');
    expect(receiver.requests.map((r) => r.id)).toEqual([d.id, d.id]);
    expect(receiver.accepted.size).toBe(1);
    const rows = noticeRows(db);
    expect(rows.map((r) => r.change)).toEqual(['create', 'notice']);
    expect(rows[1]!.notice_at).toBe(d.receipt_at);
    expect(d.receipt_at).toBeGreaterThanOrEqual(receiver.requests[1]!.receivedAt);
    const attempts = storeRows(db, 'SELECT n, outcome FROM delivery_attempts ORDER BY n').map((a) => JSON.parse(a.outcome));
    expect(attempts.map((o) => (o.kind === 'receipt' ? 'receipt' : o.failure))).toEqual(['interrupted', 'receipt']);
  }, 90_000);
});
