/**
 * Helpers shared by the API routes: query parameters that name themselves in
 * errors, JSON or CSV by `format=csv` / `Accept: text/csv`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DcprobeError, E, MONTH_RE, monthOf, parseInstant } from '@dcprobe/shared';
import { sendJson, sendText } from '../http/router.ts';
import { csvField } from '../sla/csv.ts';

export function wantsCsv(req: IncomingMessage, url: URL): boolean {
  const f = url.searchParams.get('format');
  if (f !== null && f !== 'json' && f !== 'csv') throw new DcprobeError(E.VALIDATION, `format: expected json or csv, got ${JSON.stringify(f)}`);
  return f === 'csv' || (f === null && /\btext\/csv\b/.test(req.headers.accept ?? ''));
}

export function monthParam(url: URL, required: false): string | undefined;
export function monthParam(url: URL, required: true, fallback: () => string): string;
export function monthParam(url: URL, required: boolean, fallback?: () => string): string | undefined {
  const m = url.searchParams.get('month');
  if (m === null) return required ? fallback!() : undefined;
  if (!MONTH_RE.test(m)) throw new DcprobeError(E.VALIDATION, `month: expected YYYY-MM, got ${JSON.stringify(m)}`);
  return m;
}

/** `asOf` defaults to now; a later one is refused, since it would extend what is open now into a made-up future. */
export function asOfParam(url: URL, now: number): number {
  const a = url.searchParams.get('asOf');
  if (a === null) return now;
  const t = parseInstant(a, 'asOf');
  if (t > now) throw new DcprobeError(E.VALIDATION, 'asOf: must not be in the future (nothing after now is known)');
  return t;
}

export const currentMonth = (now: number, tz: string) => (): string => monthOf(now, tz);

export function sendCsv(res: ServerResponse, text: string, name: string): void {
  res.setHeader('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`);
  sendText(res, 200, 'text/csv; charset=utf-8', text);
}

export function toCsvTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown) => csvField(v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : v as string | number | boolean);
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`;
}

export function respond(req: IncomingMessage, res: ServerResponse, url: URL, status: number, body: unknown, csv?: () => string, name = 'export'): void {
  if (csv && wantsCsv(req, url)) return sendCsv(res, csv(), name);
  sendJson(res, status, body);
}
