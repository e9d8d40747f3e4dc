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

/**
 * Paging of a list: `limit` (1–1000) items after the one whose id is `after`.
 * Without `limit` the whole list (CSV exports and existing clients); with it,
 * `next` is the id to pass as `after` for the following page, or null.
 */
export function page<T>(url: URL, list: readonly T[], idOf: (x: T) => string): { items: readonly T[]; next?: string | null } {
  const l = url.searchParams.get('limit');
  const after = url.searchParams.get('after');
  let from = 0;
  if (after !== null) {
    const i = list.findIndex((x) => idOf(x) === after);
    if (i < 0) throw new DcprobeError(E.VALIDATION, `after: ${JSON.stringify(after)} is not in this list (pass the previous page's next)`);
    from = i + 1;
  }
  if (l === null) return { items: list.slice(from) };
  if (!/^\d{1,4}$/.test(l) || Number(l) < 1 || Number(l) > 1000) throw new DcprobeError(E.VALIDATION, `limit: expected a whole number from 1 to 1000, got ${JSON.stringify(l)}`);
  const items = list.slice(from, from + Number(l));
  return { items, next: from + items.length < list.length ? idOf(items.at(-1)!) : null };
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
