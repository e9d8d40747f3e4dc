/**
 * A customer's delivery channels as the running collector uses them: the
 * senders built once from the config (a bad URL or secret fails the start, not
 * the first notice), and what each channel sends for a notice, as the text the
 * store keeps so a resend after a restart sends the same bytes.
 */
import type { NoticeChannelsConfig, NoticesConfig } from '../config.ts';
import { emailSender, type EmailContent } from '../delivery/email.ts';
import type { Sender } from '../delivery/run.ts';
import type { Channel, RetryPolicy } from '../delivery/types.ts';
import { displayUrl, webhookSender, webhookUrl, type WebhookContent } from '../delivery/webhook.ts';
import { noticeEmail, noticePayload, type NoticeContext } from '../notices/message.ts';
import type { NoticeDraft } from '../notices/draft.ts';
import { formatInstant } from '@dcprobe/shared';
import type { StatementRecord } from '../store/types.ts';

export interface CustomerChannels {
  autoSend: boolean;
  list: {
    channel: Channel; target: string; sender: Sender<unknown>;
    content: (d: NoticeDraft, c: NoticeContext) => string;
    statement: (s: StatementRecord, timezone: string, customerName: string | undefined) => string;
  }[];
}

export function retryPolicy(n: NoticesConfig): RetryPolicy {
  return {
    firstDelayMs: n.retry.firstDelaySeconds * 1000, maxDelayMs: n.retry.maxDelaySeconds * 1000,
    maxAttempts: n.retry.maxAttempts, maxAgeMs: n.retry.maxAgeHours * 3_600_000,
  };
}

export function buildChannels(n: NoticesConfig, now: () => number): Map<string, CustomerChannels> {
  const out = new Map<string, CustomerChannels>();
  for (const c of n.customers) out.set(c.customer, { autoSend: c.autoSend, list: channelsOf(n, c, now) });
  return out;
}

function channelsOf(n: NoticesConfig, c: NoticeChannelsConfig, now: () => number): CustomerChannels['list'] {
  const timeoutMs = n.attemptTimeoutSeconds * 1000;
  const list: CustomerChannels['list'] = [];
  if (c.webhook) {
    const sender = webhookSender({ url: c.webhook.url, secret: c.webhook.secret, timeoutMs, now }) as Sender<WebhookContent>;
    list.push({
      channel: 'webhook', target: displayUrl(webhookUrl(c.webhook.url)), sender: sender as Sender<unknown>,
      content: (d, x) => JSON.stringify({ body: JSON.stringify(noticePayload(d, x)) } satisfies WebhookContent),
      statement: (st, tz) => JSON.stringify({ body: JSON.stringify(statementPayload(st, tz)) } satisfies WebhookContent),
    });
  }
  if (c.email && n.smtp) {
    const s = n.smtp;
    const sender = emailSender({
      host: s.host, port: s.port, secure: s.secure, requireTls: s.requireTls, timeoutMs, now,
      auth: s.user !== undefined && s.password !== undefined ? { user: s.user, pass: s.password } : undefined,
      from: { address: s.from, ...(s.fromName !== undefined ? { name: s.fromName } : {}) },
    });
    const to = c.email.to.map((address) => ({ address }));
    list.push({
      channel: 'email', target: c.email.to.join(', '), sender: sender as Sender<unknown>,
      content: (d, x) => JSON.stringify(noticeEmail(d, x, to) satisfies EmailContent),
      statement: (st, tz, name) => JSON.stringify(statementEmail(st, tz, name, to)),
    });
  }
  return list;
}

export const STATEMENT_EVENT = 'dcprobe.statement';

/**
 * A frozen statement by webhook (docs/customer-evidence.md): its id, the
 * manifest as JSON, and every file with its SHA-256 and its bytes in base64.
 */
function statementPayload(s: StatementRecord, _tz: string): Record<string, unknown> {
  const manifest = s.files.find((f) => f.name.endsWith('.manifest.json'));
  return {
    type: STATEMENT_EVENT, statement: s.id,
    manifest: manifest ? JSON.parse(manifest.content.toString('utf8')) as unknown : null,
    files: s.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.content.length, sha256: f.sha256, base64: f.content.toString('base64') })),
  };
}

/** A frozen statement by e-mail: a short summary with the files attached (stored base64, see parseContent). */
function statementEmail(s: StatementRecord, tz: string, name: string | undefined, to: { address: string }[]) {
  const text = [
    `Statement ${s.id} for ${s.month}${s.revision > 0 ? ` (revision ${s.revision}${s.reason ? `: ${s.reason}` : ''})` : ''}`,
    `issued ${formatInstant(s.issuedAt, tz)}.`,
    '',
    'Files (SHA-256):',
    ...s.files.map((f) => `  ${f.name}  ${f.sha256}`),
    '',
    'Check them with: dcprobe-collector verify <manifest> --public-key <provider key>',
  ].join('\n');
  return {
    to, subject: `Statement ${s.id}: ${name ?? s.customer}, ${s.month}`, text,
    attachments: s.files.map((f) => ({ filename: f.name, contentType: f.mediaType, base64: f.content.toString('base64') })),
  };
}

/** The stored content back as what the channel's sender takes (attachments were stored base64). */
export function parseContent(text: string): unknown {
  const c = JSON.parse(text) as { attachments?: { filename: string; contentType: string; base64: string }[] };
  if (!Array.isArray(c.attachments)) return c;
  return { ...c, attachments: c.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.base64, 'base64') })) };
}
