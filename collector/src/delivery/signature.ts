/**
 * Webhook signatures in the Standard Webhooks scheme (standardwebhooks.com),
 * so a customer can check them with that project's libraries in most
 * languages or with a few lines of their own:
 *
 *   webhook-id:        the delivery id, the same on every retry (the idempotency key)
 *   webhook-timestamp: Unix seconds when this attempt was signed
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>
 *
 * The key is the per-customer secret `whsec_<base64>`, base64-decoded. Binding
 * the id as well as the timestamp means a captured body cannot be replayed
 * under a fresh id to slip past the receiver's de-duplication.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';

const SECRET_RE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a `whsec_…` secret; the message never shows the secret. */
export function webhookKey(secret: string): Buffer {
  const m = SECRET_RE.exec(secret);
  const key = m ? Buffer.from(m[1]!, 'base64') : undefined;
  if (!key || key.length < 24) throw new DcprobeError(E.DELIVERY_TARGET, 'webhook secret: expected whsec_<base64 of at least 24 bytes>');
  return key;
}

export function signatureOf(key: Buffer, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(key: Buffer, id: string, nowMs: number, body: string | Buffer): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureOf(key, id, timestamp, body) };
}

export type WebhookCheck = 'ok' | 'missing_header' | 'stale_timestamp' | 'bad_signature';

/**
 * The receiver's check: headers present, timestamp within `toleranceSec` of the
 * receiver's clock (replay protection), and one of the listed v1 signatures
 * equal (in constant time) to the one computed over the raw body.
 */
export function verifyWebhook(
  key: Buffer, headers: Record<string, string | string[] | undefined>, body: string | Buffer, nowMs: number, toleranceSec = 300,
): WebhookCheck {
  const h = (name: string) => { const v = headers[name]; return Array.isArray(v) ? v[0] : v; };
  const id = h('webhook-id'), ts = h('webhook-timestamp'), sigs = h('webhook-signature');
  if (!id || !ts || !sigs) return 'missing_header';
  const timestamp = Number(ts);
  if (!/^\d+$/.test(ts) || Math.abs(nowMs / 1000 - timestamp) > toleranceSec) return 'stale_timestamp';
  const want = Buffer.from(signatureOf(key, id, timestamp, body).slice(3), 'base64');
  for (const s of sigs.split(' ')) {
    if (!s.startsWith('v1,')) continue;
    const got = Buffer.from(s.slice(3), 'base64');
    if (got.length === want.length && timingSafeEqual(got, want)) return 'ok';
  }
  return 'bad_signature';
}
