/**
 * A frozen statement as the customer receives it, through the same channels
 * as a notice: the webhook's JSON payload (manifest and every file inline,
 * base64) and the e-mail (a short summary with the files attached). The
 * manifest carries the SHA-256 of each file and the signed evidence, so what
 * arrives can be checked with `dcprobe-collector verify`.
 */
import type { EmailContent, MailAddress } from '../delivery/email.ts';
import type { ServiceResult } from '../sla/types.ts';
import type { IssuedStatement } from './issue.ts';

export const STATEMENT_EVENT = 'dcprobe.statement';

export function statementPayload(s: IssuedStatement): Record<string, unknown> {
  const manifest = s.files[s.files.length - 1]!;
  return {
    type: STATEMENT_EVENT,
    statement: s.statementId,
    manifest: JSON.parse(manifest.bytes.toString('utf8')) as unknown,
    files: s.files.slice(0, -1).map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.bytes.length, sha256: f.sha256, contentBase64: f.bytes.toString('base64') })),
  };
}

export function statementEmail(s: IssuedStatement, c: { customerName?: string | undefined; month: string }, to: MailAddress[]): EmailContent {
  const customer = s.result.customers[0]!;
  const lines = [
    `SLA statement ${s.statementId} for ${c.month} (${customer.timezone}).`,
    '',
    ...(['network', 'power'] as const).flatMap((k) => (customer.services[k] ? [serviceLine(k, customer.services[k]!)] : [])),
    '',
    'Attached: the statement (PDF), its figures (CSV), the month\'s data (scenario export) and a manifest',
    'with the SHA-256 of each file and the provider\'s signature. To check them and recompute the minutes:',
    `  dcprobe-collector verify ${s.files[s.files.length - 1]!.name} --public-key PROVIDER.pem`,
  ];
  return {
    to,
    subject: `SLA statement ${c.month}: ${c.customerName ?? customer.id} (${s.statementId})`,
    text: lines.join('\n'),
    attachments: s.files.map((f) => ({ filename: f.name, contentType: f.mediaType, content: f.bytes })),
  };
}

function serviceLine(service: string, r: ServiceResult): string {
  const min = (sec: number) => `${Math.round((sec / 60) * 100) / 100} min`;
  return `${service}: ${min(r.countableSeconds)} countable, ${min(r.allowedSeconds)} allowed; fee ${r.feeWaived ? 'waived' : 'not waived'}.`;
}
