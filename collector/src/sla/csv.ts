/**
 * CSV rendering of a reconcile result (RFC 4180: CRLF line ends, fields with a
 * comma, semicolon, tab, quote or line break are quoted, quotes doubled). One
 * row per customer service and one per report listed in the month, told apart
 * by `row_type`.
 */
import type { ReportFigures, Service, ServiceFigures, ServiceResult } from './types.ts';

export const CSV_COLUMNS = [
  'row_type', 'customer', 'service', 'month', 'report_id', 'verdict', 'basis', 'open',
  'month_seconds', 'allowed_seconds', 'countable_seconds', 'excluded_seconds', 'claimed_seconds',
  'measured_seconds', 'disputed_seconds', 'availability', 'coverage', 'breached', 'fee_waived',
  'unreported_count', 'reported_at', 'notice_at',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
type Row = Partial<Record<Column, string | number | boolean | null>>;

export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  // Finance opens these in spreadsheets: text that starts like a formula (a
  // customer's report text, an id) is prefixed with ' so it stays text (OWASP CSV injection).
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  // Quoted also with a `;` or a tab: spreadsheets in many locales split on `;`, and `x;=1+1`
  // unquoted would open as a second cell `=1+1`, a formula past the guard above.
  return /[",;\t\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A reconcile result, or its figures alone (reconcileFigures): the CSV shows the figures either way. */
export interface CsvInput {
  month: string;
  customers: readonly { id: string; services: { network?: ServiceResult | ServiceFigures; power?: ServiceResult | ServiceFigures } }[];
}

export function toCsv(result: CsvInput): string {
  const rows: Row[] = [];
  for (const c of result.customers) {
    for (const service of ['network', 'power'] as const) {
      const s = c.services[service];
      if (!s) continue;
      rows.push(serviceRow(result.month, c.id, service, s));
      for (const r of s.reports) rows.push(reportRow(result.month, c.id, service, r));
    }
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((k) => csvField(row[k])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

function serviceRow(month: string, customer: string, service: Service, s: ServiceResult | ServiceFigures): Row {
  return {
    row_type: 'service', customer, service, month,
    month_seconds: s.monthSeconds, allowed_seconds: s.allowedSeconds, countable_seconds: s.countableSeconds,
    excluded_seconds: s.excludedSeconds, claimed_seconds: s.claimedSeconds, measured_seconds: s.measuredSeconds,
    disputed_seconds: s.disputedSeconds, availability: s.availability, coverage: s.coverage,
    breached: s.breached, fee_waived: s.feeWaived, unreported_count: 'unreportedCount' in s ? s.unreportedCount : s.unreported.length,
  };
}

function reportRow(month: string, customer: string, service: Service, r: ReportFigures): Row {
  return {
    row_type: 'report', customer, service, month, report_id: r.id, verdict: r.verdict, basis: r.basis,
    open: r.open, countable_seconds: r.countableSeconds, excluded_seconds: r.excludedSeconds,
    claimed_seconds: r.claimedSeconds, measured_seconds: r.measuredSeconds,
    reported_at: r.reportedAt, notice_at: r.noticeAt,
  };
}
