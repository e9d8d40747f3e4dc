/**
 * Webhook signatures follow Standard Webhooks: the published test vector
 * comes out, and the receiver's check refuses a changed body, another id, a
 * wrong key, a stale timestamp and missing headers.
 */
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureOf, verifyWebhook, webhookHeaders, webhookKey } from '../../../../collector/src/delivery/signature.ts';

describe('webhook signatures', () => {
  it('match the Standard Webhooks test vector', () => {
    const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signatureOf(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  const key = webhookKey(newWebhookSecret());
  const now = Date.parse('2026-11-03T11:00:00Z');
  const body = '{"type":"restoration_notice","report":"T-1"}';
  const headers = webhookHeaders(key, 'D-1', now, body);

  it('verify on the receiver\'s side, within the timestamp tolerance', () => {
    expect(headers['webhook-timestamp']).toBe(String(now / 1000));
    expect(verifyWebhook(key, headers, body, now + 299_000)).toBe('ok');
    expect(verifyWebhook(key, { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` }, body, now)).toBe('ok');
  });

  it.each([
    ['a changed body', headers, body.replace('T-1', 'T-2'), now, 'bad_signature'],
    ['another delivery id', { ...headers, 'webhook-id': 'D-2' }, body, now, 'bad_signature'],
    ['a signature made with another key', webhookHeaders(webhookKey(newWebhookSecret()), 'D-1', now, body), body, now, 'bad_signature'],
    ['a stale timestamp', headers, body, now + 301_000, 'stale_timestamp'],
    ['a timestamp from the future', headers, body, now - 301_000, 'stale_timestamp'],
    ['a missing signature header', { ...headers, 'webhook-signature': undefined }, body, now, 'missing_header'],
  ])('refuse %s', (_name, h, b, at, want) => {
    expect(verifyWebhook(key, h, b, at)).toBe(want);
  });

  it('take only whsec_ secrets of at least 24 bytes, without echoing them', () => {
    expect(() => webhookKey('s3cret-s3cret-s3cret-s3cret')).toThrow('webhook secret: expected whsec_<base64 of at least 24 bytes>');
    expect(() => webhookKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(/^webhook secret: /);
  });
});
