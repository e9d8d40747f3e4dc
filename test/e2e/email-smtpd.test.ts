/**
 * E-mail delivery through a real SMTP server (Debian's aiosmtpd on loopback):
 * a restoration notice arrives and reads back with Python's own parser;
 * receipt is the relay's 250 after DATA; hostile text in every field the
 * customer controls (name, report text with CR/LF, a lone "." line, header
 * and SMTP command injection, HTML) stays text and adds no header, recipient
 * or message; a 550 ends the delivery, a 451 and a refused connection are retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { emailSender, mailAddress, type EmailContent, type RelayOptions } from '../../collector/src/delivery/email.ts';
import { newDelivery } from '../../collector/src/delivery/machine.ts';
import { runDelivery } from '../../collector/src/delivery/run.ts';
import type { Delivery, RetryPolicy } from '../../collector/src/delivery/types.ts';
import type { NoticeDraft } from '../../collector/src/notices/draft.ts';
import { noticeEmail } from '../../collector/src/notices/message.ts';
import { startSmtpd, type Smtpd } from './fixtures/smtpd.ts';
import { freeTcpPort } from '../support/ports.ts';
import { sleep } from '../support/wait.ts';

const TZ = 'Asia/Shanghai';
const at = (s: string) => Date.parse(`2026-11-03T${s}:00+08:00`);
const FAST: RetryPolicy = { firstDelayMs: 50, maxDelayMs: 200, maxAttempts: 3, maxAgeMs: 60_000 };
const DRAFT: NoticeDraft = {
  report: 'T-1', customer: 'cust-a', service: 'network', reportedAt: at('10:05'), restoredAt: at('10:50'), settledAt: at('11:00'), draftedAt: at('11:00'),
  outages: [{ start: at('10:00'), end: at('10:50') }],
  subjects: [{ subject: 'sw1/ge-0/0/1', role: 'port', notUp: [{ start: at('10:00'), end: at('10:50'), state: 'down' }], stateAtRestoration: 'up' }],
};
const HOSTILE_NAME = 'Acme\r\nBcc: victim@evil.example\r\nX-Injected: 1\u0000\u2028\t';
const HOSTILE_TEXT = [
  'Port down since 10:00 <script>alert("x")</script> <b>bold</b> & co',
  '.',
  'MAIL FROM:<attacker@evil.example>',
  'RCPT TO:<victim@evil.example>',
  'DATA',
  'Subject: smuggled',
  '',
  'owned',
  '.',
  'QUIT',
].join('\r\n') + '\n.\nafter a bare-LF dot\r.\rafter a bare-CR dot';

let mta: Smtpd;
beforeAll(async () => { mta = await startSmtpd(); });
afterAll(async () => { await mta?.stop(); });

const relay = (port: number): RelayOptions => ({
  host: '127.0.0.1', port, secure: false, requireTls: false, timeoutMs: 5000, from: { name: 'Example IDC NOC', address: 'noc@provider.example' }, now: Date.now,
});
const delivery = (id: string, target: string): Delivery =>
  newDelivery({ id, channel: 'email', customer: 'cust-a', item: { kind: 'notice', id: 'N-1' }, target, createdAt: Date.now() });
const send = (d: Delivery, c: EmailContent, port = mta.port, saved: Delivery[] = []) => runDelivery(d, c, emailSender(relay(port)), {
  now: Date.now, random: Math.random, policy: FAST, save: (x) => { saved.push(structuredClone(x)); }, sleepUntil: (t) => sleep(Math.max(0, t - Date.now())),
});
const kinds = (d: Delivery) => d.attempts.map((a) => (a.outcome?.kind === 'receipt' ? 'receipt' : `${a.outcome?.failure} ${a.outcome && 'detail' in a.outcome ? a.outcome.detail : ''}`));

describe('e-mail delivery through a real SMTP server', () => {
  it('delivers a restoration notice; receipt is the relay\'s 250 after DATA', async () => {
    const before = (await mta.messages()).length;
    const content = noticeEmail(DRAFT, { noticeId: 'N-1', timezone: TZ, customerName: 'Acme Hosting', reportText: 'Port down since 10:00' }, [{ name: 'Acme NOC', address: 'noc@acme.example' }]);
    const saved: Delivery[] = [];
    const d = await send(delivery('D-notice-N-1-email', 'noc@acme.example'), content, mta.port, saved);
    expect([d.status, d.receipt!.response]).toEqual(['delivered', '250 Message accepted for delivery']);
    expect(saved.map((x) => x.status)).toEqual(['sending', 'delivered']);
    expect(d.receipt!.at).toBeGreaterThanOrEqual(d.attempts[0]!.startedAt);
    const [m] = (await mta.waitFor(before + 1)).slice(before);
    expect(m!.envelope).toEqual({ mailFrom: 'noc@provider.example', rcptTos: ['noc@acme.example'] });
    expect(m!.parsed.subject).toBe('Restoration notice N-1: Acme Hosting, network service restored');
    expect(m!.parsed.from).toBe('Example IDC NOC <noc@provider.example>');
    expect(m!.parsed.to).toBe('Acme NOC <noc@acme.example>');
    expect(m!.parsed.messageId).toBe('<D-notice-N-1-email@provider.example>');
    expect(m!.parsed.text).toContain('Your network service has been back in service since 2026-11-03T10:50:00+08:00');
    expect(m!.parsed.text).toContain('  2026-11-03T10:00:00+08:00 to 2026-11-03T10:50:00+08:00');
    expect(m!.parsed.text).toContain('  port sw1/ge-0/0/1: down 2026-11-03T10:00:00+08:00 to 2026-11-03T10:50:00+08:00; up at restoration');
  });

  it('keeps hostile customer text as text: no header, recipient or message is added', async () => {
    const before = (await mta.messages()).length;
    const content = noticeEmail(DRAFT, { noticeId: 'N-2', timezone: TZ, customerName: HOSTILE_NAME, reportText: HOSTILE_TEXT }, [{ name: HOSTILE_NAME, address: 'noc@acme.example' }]);
    const d = await send(delivery('D-notice-N-2-email', 'noc@acme.example'), content);
    expect(d.status).toBe('delivered');
    await sleep(300); // a smuggled second message would be stored by now
    const all = await mta.messages();
    expect(all.length - before).toBe(1);
    const m = all[before]!;
    expect(m.envelope.rcptTos).toEqual(['noc@acme.example']);
    expect(m.parsed.headerNames.map((h) => h.toLowerCase()).sort())
      .toEqual(['content-transfer-encoding', 'content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to', 'x-dcprobe-delivery']);
    expect(m.parsed.subject).toBe('Restoration notice N-2: Acme Bcc: victim@evil.example X-Injected: 1 , network service restored');
    expect(m.parsed.to).toBe('"Acme Bcc: victim@evil.example X-Injected: 1" <noc@acme.example>');
    for (const line of m.parsed.headerLines) expect(line).not.toMatch(/^(Bcc|X-Injected):/i);
    const text = m.parsed.text!.replace(/\r\n/g, '\n');
    expect(text).toContain('> Port down since 10:00 <script>alert("x")</script> <b>bold</b> & co');
    expect(text).toContain('> .\n> MAIL FROM:<attacker@evil.example>\n> RCPT TO:<victim@evil.example>\n> DATA\n> Subject: smuggled');
    expect(text).toContain('> after a bare-LF dot');
    expect(text).toContain('> after a bare-CR dot');
  });

  it('sends a body of hostile lines as it is, with no quoting to protect it: dot-stuffing does', async () => {
    const before = (await mta.messages()).length;
    const d = await send(delivery('D-raw', 'noc@acme.example'), { to: [{ address: 'noc@acme.example' }], subject: HOSTILE_NAME, text: HOSTILE_TEXT });
    expect(d.status).toBe('delivered');
    await sleep(300);
    const all = await mta.messages();
    expect(all.length - before).toBe(1);
    expect(all[before]!.envelope.rcptTos).toEqual(['noc@acme.example']);
    expect(all[before]!.parsed.text!.replace(/\r\n/g, '\n')).toBe(`${HOSTILE_TEXT.replace(/\r\n?/g, '\n')}\n`);
  });

  it('times the receipt when the relay\'s 250 arrives, however late', async () => {
    const d = await send(delivery('D-slow', 'noc@slow.invalid'), { to: [{ address: 'noc@slow.invalid' }], subject: 's', text: 't' });
    expect(d.status).toBe('delivered');
    expect(d.receipt!.at - d.attempts[0]!.startedAt).toBeGreaterThanOrEqual(500);
  });

  it('ends at a 550 and retries a 451', async () => {
    const content: EmailContent = { to: [{ address: 'nobody@reject.invalid' }], subject: 's', text: 't' };
    const rejected = await send(delivery('D-550', 'nobody@reject.invalid'), content);
    expect([rejected.status, kinds(rejected)]).toEqual(['failed', ['smtp_status SMTP 550 (EENVELOPE)']]);
    const later = await send(delivery('D-451', 'someone@later.invalid'), { ...content, to: [{ address: 'someone@later.invalid' }] });
    expect([later.status, kinds(later)]).toEqual(['failed', ['smtp_status SMTP 451 (EENVELOPE)', 'smtp_status SMTP 451 (EENVELOPE)', 'smtp_status SMTP 451 (EENVELOPE)']]);
  });

  it('retries while the relay is down', async () => {
    const port = await freeTcpPort();
    const d = await send(delivery('D-down', 'noc@acme.example'), { to: [{ address: 'noc@acme.example' }], subject: 's', text: 't' }, port);
    expect([d.status, kinds(d)]).toEqual(['failed', ['refused ECONNREFUSED', 'refused ECONNREFUSED', 'refused ECONNREFUSED']]);
  });

  it.each([
    'noc@acme.example\r\nBcc: victim@evil.example', 'Acme <noc@acme.example>', 'noc@acme.example, victim@evil.example', '"a b"@acme.example', 'noc@[127.0.0.1]', 'noc',
  ])('refuses the address %j', (a) => {
    let err: unknown;
    try { mailAddress(a); } catch (e) { err = e; }
    expect(isCoded(err, 'DCP_DELIVERY_TARGET')).toBe(true);
  });
});
