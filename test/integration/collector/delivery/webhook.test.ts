/**
 * Webhook delivery against a real HTTP(S) receiver on loopback: HTTPS with the
 * test CA, a receiver down for a while then up, 5xx with Retry-After, a
 * timeout whose retry the receiver de-duplicates, a slow receiver, a bad
 * signature refused, permanent and retryable 4xx. Receipt is the 2xx, timed
 * when it arrived; every state is saved, the first before anything is sent.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { newDelivery } from '../../../../collector/src/delivery/machine.ts';
import { runDelivery, type RunDeps } from '../../../../collector/src/delivery/run.ts';
import { newWebhookSecret } from '../../../../collector/src/delivery/signature.ts';
import type { Delivery, RetryPolicy } from '../../../../collector/src/delivery/types.ts';
import { webhookSender, webhookUrl } from '../../../../collector/src/delivery/webhook.ts';
import { WebhookReceiver } from '../../../support/webhook-receiver.ts';
import { sleep } from '../../../support/wait.ts';

const TLS = { cert: readFileSync(new URL('../../../fixtures/tls/localhost.crt', import.meta.url)), key: readFileSync(new URL('../../../fixtures/tls/localhost.key', import.meta.url)) };
const FAST: RetryPolicy = { firstDelayMs: 40, maxDelayMs: 320, maxAttempts: 12, maxAgeMs: 60_000 };
const BODY = JSON.stringify({ type: 'restoration_notice', report: 'T-1', restoredAt: '2026-11-03T10:50:00+08:00', text: 'caf\u00e9 \u2013 ok' });

let receivers: WebhookReceiver[] = [];
afterEach(async () => { await Promise.all(receivers.map((r) => r.stop())); receivers = []; });
const receiver = async (o: Parameters<typeof WebhookReceiver.start>[0]) => { const r = await WebhookReceiver.start(o); receivers.push(r); return r; };

const delivery = (url: string, id = 'D-notice-T-1'): Delivery =>
  newDelivery({ id, channel: 'webhook', customer: 'cust-a', item: { kind: 'notice', id: 'N-1' }, target: url, createdAt: Date.now() });

function run(d: Delivery, o: { url: string; secret: string; timeoutMs?: number; ca?: Buffer; policy?: RetryPolicy }, saved: Delivery[] = [], onSave?: (d: Delivery) => void) {
  const deps: RunDeps = {
    now: Date.now, random: Math.random, policy: o.policy ?? FAST,
    save: (x) => { saved.push(structuredClone(x)); onSave?.(x); },
    sleepUntil: (t) => sleep(Math.max(0, t - Date.now())),
  };
  const sender = webhookSender({ url: o.url, secret: o.secret, ca: o.ca, timeoutMs: o.timeoutMs ?? 2000, now: Date.now });
  return runDelivery(d, { body: BODY }, sender, deps);
}
const kinds = (d: Delivery) => d.attempts.map((a) => (a.outcome?.kind === 'receipt' ? 'receipt' : a.outcome?.failure));

describe('webhook delivery', () => {
  it('delivers over HTTPS with the test CA: signed, receipt timed at the 2xx, saved before sending', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret, tls: TLS });
    const saved: Delivery[] = [];
    const t0 = Date.now();
    const d = await run(delivery(r.url), { url: r.url, secret, ca: TLS.cert }, saved);
    expect(d.status).toBe('delivered');
    expect(r.requests.map((x) => [x.id, x.check, x.body])).toEqual([['D-notice-T-1', 'ok', BODY]]);
    expect(d.receipt!.response).toBe('HTTP 200');
    expect(d.receipt!.at).toBeGreaterThanOrEqual(r.requests[0]!.receivedAt);
    expect(d.receipt!.at).toBeLessThanOrEqual(d.attempts[0]!.endedAt!);
    expect(d.attempts[0]!.startedAt).toBeGreaterThanOrEqual(t0);
    expect(saved.map((x) => x.status)).toEqual(['sending', 'delivered']);
    expect([...r.accepted.keys()]).toEqual(['D-notice-T-1']);
  });

  it('refuses a receiver whose certificate it cannot verify (no CA given), and keeps retrying', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret, tls: TLS });
    const saved: Delivery[] = [];
    const stop = { ...FAST, maxAttempts: 2 };
    const sender = webhookSender({ url: r.url, secret, timeoutMs: 2000, now: Date.now });
    const d = await runDelivery(delivery(r.url), { body: BODY }, sender, {
      now: Date.now, random: Math.random, policy: stop, save: (x) => { saved.push(x); }, sleepUntil: (t) => sleep(Math.max(0, t - Date.now())),
    });
    expect(kinds(d)).toEqual(['tls', 'tls']);
    expect(d.status).toBe('failed');
    expect(r.requests).toHaveLength(0);
  });

  it('keeps trying while the receiver is down and delivers once it is back', async () => {
    const secret = newWebhookSecret();
    const probe = await WebhookReceiver.start({ secret });
    const { port, url } = probe;
    await probe.stop(); // the customer's endpoint is down: connections are refused
    let back: Promise<WebhookReceiver> | undefined;
    const d = await run(delivery(url), { url, secret }, [], (x) => {
      const refused = x.attempts.filter((a) => a.outcome?.kind === 'failure' && a.outcome.failure === 'refused').length;
      if (refused === 3 && !back) back = receiver({ secret, port });
    });
    await back;
    expect(kinds(d)).toEqual(['refused', 'refused', 'refused', 'receipt']);
    expect(d.status).toBe('delivered');
    const gaps = d.attempts.slice(1).map((a, i) => a.startedAt - d.attempts[i]!.endedAt!);
    expect(gaps[0]).toBeGreaterThanOrEqual(FAST.firstDelayMs / 2);
    expect(gaps[2]).toBeGreaterThanOrEqual(FAST.firstDelayMs * 2);
  });

  it('retries a 5xx, honouring Retry-After, and the receiver keeps one notice', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret });
    r.respond = () => (r.requests.length === 1 ? { status: 503, headers: { 'retry-after': '1' } } : r.requests.length === 2 ? { status: 500 } : { status: 204 });
    const d = await run(delivery(r.url), { url: r.url, secret, policy: { ...FAST, maxDelayMs: 2000 } });
    expect(kinds(d)).toEqual(['http_status', 'http_status', 'receipt']);
    expect(d.attempts.map((a) => a.outcome && ('detail' in a.outcome ? a.outcome.detail : a.outcome.response))).toEqual(['HTTP 503', 'HTTP 500', 'HTTP 204']);
    expect(d.attempts[1]!.startedAt - d.attempts[0]!.endedAt!).toBeGreaterThanOrEqual(1000);
    expect(r.requests.map((x) => x.id)).toEqual(['D-notice-T-1', 'D-notice-T-1', 'D-notice-T-1']);
    expect(r.accepted.size).toBe(1);
  });

  it('times out on a receiver that does not answer, and the retry with the same id is de-duplicated', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret });
    r.respond = () => (r.requests.length === 1 ? { status: 200, delayMs: 1500 } : { status: 200 });
    const d = await run(delivery(r.url), { url: r.url, secret, timeoutMs: 300 });
    expect(kinds(d)).toEqual(['timeout', 'receipt']);
    await sleep(1600); // the first request's handler finishes late and records it
    expect(r.requests.map((x) => x.id)).toEqual(['D-notice-T-1', 'D-notice-T-1']);
    expect(r.accepted.size).toBe(1);
  });

  it('waits for a slow receiver within the bound, and times receipt when its answer arrives', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret });
    r.respond = () => ({ status: 202, delayMs: 400 });
    const d = await run(delivery(r.url), { url: r.url, secret, timeoutMs: 3000 });
    expect(kinds(d)).toEqual(['receipt']);
    expect(d.receipt!.at - r.requests[0]!.receivedAt).toBeGreaterThanOrEqual(390);
  });

  it('a notice signed with the wrong secret is refused by the customer and nothing is recorded', async () => {
    const r = await receiver({ secret: newWebhookSecret() });
    const d = await run(delivery(r.url), { url: r.url, secret: newWebhookSecret() });
    expect(r.requests.map((x) => x.check)).toEqual(['bad_signature']);
    expect([d.status, kinds(d), r.accepted.size]).toEqual(['failed', ['http_status'], 0]);
  });

  it('ends at a permanent 4xx, retries a 429', async () => {
    const secret = newWebhookSecret();
    const r = await receiver({ secret });
    r.respond = () => ({ status: 410 });
    expect(kinds(await run(delivery(r.url, 'D-a'), { url: r.url, secret }))).toEqual(['http_status']);
    r.respond = () => (r.requests.length < 3 ? { status: 429 } : { status: 200 });
    expect(kinds(await run(delivery(r.url, 'D-b'), { url: r.url, secret }))).toEqual(['http_status', 'receipt']);
  });

  it.each([
    ['http://192.0.2.1/hook', 'webhook url: plain http only to loopback, got 192.0.2.1'],
    ['ftp://127.0.0.1/hook', 'webhook url: expected https, got ftp:'],
    ['https://user:pw@example.net/hook', 'webhook url: credentials in the URL are not allowed (the signature authenticates)'],
    ['not a url', 'webhook url: not a URL'],
  ])('refuses the target %s', (url, message) => {
    let err: unknown;
    try { webhookUrl(url); } catch (e) { err = e; }
    expect(isCoded(err, 'DCP_DELIVERY_TARGET')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
