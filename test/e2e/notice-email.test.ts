/**
 * A restoration notice e-mailed by the running collector through a real SMTP
 * server (Debian's aiosmtpd on loopback) under the customer's auto-send
 * policy: the message reads back with the report's evidence and the customer's
 * words as text, and the relay's 250 becomes the report's noticeAt.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, startApi, stopApi, type ApiEnv } from '../support/api-harness.ts';
import { storeRows } from '../support/store-sql.ts';
import { eventually } from '../support/wait.ts';
import { startSmtpd, type Smtpd } from './fixtures/smtpd.ts';

let mta: Smtpd, env: ApiEnv | undefined;
beforeAll(async () => { mta = await startSmtpd(); });
afterAll(async () => { await mta?.stop(); });
afterEach(async () => { if (env) await stopApi(env); env = undefined; });

describe('restoration notice by e-mail from the running collector', () => {
  it('sends the drafted notice through the relay and records the 250 as noticeAt', async () => {
    env = await startApi(Date.now(), {
      customers: [{ id: 'cust-a', name: 'Acme\r\nBcc: victim@evil.example', network: { ports: ['sw1/ge-0/0/1'] } }],
      notices: {
        settlingSeconds: 1, checkIntervalSeconds: 0.1, attemptTimeoutSeconds: 10,
        smtp: { host: '127.0.0.1', port: mta.port, from: 'noc@provider.example', fromName: 'Example IDC NOC' },
        customers: [{ customer: 'cust-a', autoSend: true, email: { to: ['noc@acme.example'] } }],
      },
    }, { now: Date.now });
    const e = env;
    const t = Date.now();
    const obs = (state: 'up' | 'down', at: number) => ({ subject: 'sw1/ge-0/0/1', kind: 'port' as const, state, at, via: 'poll' as const, agentId: null, seq: null });
    await e.c.store.importObservations([obs('up', t - 600_000), obs('down', t - 60_000), obs('up', t - 5_000)], t);
    const words = 'Port dead <script>x</script>\r\nBcc: victim@evil.example';
    expect((await call(e, 'POST', '/api/v1/reports', { token: 'write', body: { id: 'R-9', customer: 'cust-a', service: 'network', reportedAt: new Date(t - 30_000).toISOString(), text: words } })).status).toBe(201);

    const [mail] = await mta.waitFor(1, 30_000);
    expect(mail!.envelope.rcptTos).toEqual(['noc@acme.example']);
    expect(mail!.parsed.subject).toContain('Restoration notice N-R-9');
    expect(mail!.parsed.headerNames.map((h) => h.toLowerCase())).not.toContain('bcc');
    expect(mail!.parsed.text).toContain('> Port dead <script>x</script>');
    expect(mail!.parsed.text).toContain('Report R-9 was received at');

    const done = await eventually(async () => storeRows(e.c.config.database, `SELECT status, delivered_at FROM notices`)[0], (n) => n?.status === 'delivered', 20_000);
    const [d] = storeRows(e.c.config.database, `SELECT receipt_at, receipt_response FROM deliveries`);
    expect(d.receipt_response).toMatch(/^250/);
    const history = (await call(e, 'GET', '/api/v1/reports/R-9')).json;
    expect(history.history.map((v: any) => v.version)).toEqual([1, 2]);
    expect(done.delivered_at).toBe(d.receipt_at);
    expect(storeRows(e.c.config.database, `SELECT notice_at FROM report_versions WHERE report_id = 'R-9' AND version = 2`)[0].notice_at).toBe(d.receipt_at);
  }, 90_000);
});
