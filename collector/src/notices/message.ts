/**
 * A drafted notice as the customer receives it: the webhook's JSON payload and
 * the e-mail's subject and text. Instants are ISO 8601 with the customer's
 * offset. The customer's own words (their name, their report text) are quoted
 * as data: the JSON encoder and the e-mail sender (delivery/email.ts) make them
 * safe, nothing here interprets them.
 */
import { formatInstant } from '@dcprobe/shared';
import type { EmailContent, MailAddress } from '../delivery/email.ts';
import type { NoticeDraft, SubjectEvidence } from './draft.ts';

export interface NoticeContext {
  /** The notice's own id (the ledger's); the delivery id is separate. */
  noticeId: string;
  timezone: string;
  customerName?: string | undefined;
  /** What the customer wrote when reporting. */
  reportText?: string | undefined;
}

export const NOTICE_EVENT = 'dcprobe.restoration_notice';

export function noticePayload(d: NoticeDraft, c: NoticeContext): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : formatInstant(ms, c.timezone));
  return {
    type: NOTICE_EVENT,
    notice: {
      id: c.noticeId, report: d.report, customer: d.customer, service: d.service,
      reportedAt: iso(d.reportedAt), restoredAt: iso(d.restoredAt), settledAt: iso(d.settledAt),
      outages: d.outages.map((o) => ({ start: iso(o.start), end: iso(o.end) })),
      subjects: d.subjects.map((s) => ({
        subject: s.subject, role: s.role, stateAtRestoration: s.stateAtRestoration,
        notUp: s.notUp.map((n) => ({ state: n.state, start: iso(n.start), end: iso(n.end) })),
      })),
    },
  };
}

export function noticeEmail(d: NoticeDraft, c: NoticeContext, to: MailAddress[]): EmailContent {
  const t = (ms: number | null) => (ms === null ? '…' : formatInstant(ms, c.timezone));
  const service = d.service === 'network' ? 'network' : 'power';
  const outages = d.outages.length === 0
    ? ['  No outage of the service was measured while the report was open.']
    : d.outages.map((o) => `  ${t(o.start)} to ${t(o.end)}`);
  const lines = [
    `Restoration notice ${c.noticeId} for report ${d.report}`,
    '',
    `Your ${service} service has been back in service since ${t(d.restoredAt)}`,
    `(measured up without a break until ${t(d.settledAt)}).`,
    '',
    `Report ${d.report} was received at ${t(d.reportedAt)}.`,
    ...(c.reportText !== undefined ? ['Your report said:', ...c.reportText.split(/\r\n|\r|\n/).map((l) => `> ${l}`)] : []),
    '',
    'Measured outage(s):',
    ...outages,
    '',
    'What each part did:',
    ...d.subjects.map((s) => subjectLine(s, t)),
    '',
    'Times are in your contract\'s time zone, ' + c.timezone + '.',
  ];
  const name = c.customerName ?? d.customer;
  return { to, subject: `Restoration notice ${c.noticeId}: ${name}, ${service} service restored`, text: lines.join('\n') };
}

function subjectLine(s: SubjectEvidence, t: (ms: number | null) => string): string {
  const word = s.role === 'feed' ? 'off' : 'down';
  const stretches = s.notUp.map((n) => `${n.state === 'down' ? word : 'not measured'} ${t(n.start)} to ${t(n.end)}`);
  return `  ${s.role} ${s.subject}: ${stretches.length ? stretches.join('; ') : 'in service throughout'}; ${s.stateAtRestoration} at restoration`;
}
