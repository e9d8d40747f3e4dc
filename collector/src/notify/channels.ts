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

export interface CustomerChannels {
  autoSend: boolean;
  list: { channel: Channel; target: string; sender: Sender<unknown>; content: (d: NoticeDraft, c: NoticeContext) => string }[];
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
    });
  }
  return list;
}

/** The stored content back as what the channel's sender takes. */
export function parseContent(text: string): unknown {
  return JSON.parse(text) as unknown;
}
