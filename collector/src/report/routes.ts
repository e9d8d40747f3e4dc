/**
 * GET /customers/{id}/sla/{month}[?asOf=…]: the printable page, by bearer
 * token, `?token=` (so a browser can open and print it from a link) or a
 * signed share link (`?expires=…&sig=…`, made by the admin API). A token in a
 * URL can end up in browser history and proxy logs: give people a customer
 * token or a share link, never a NOC token.
 * POST /customers/{id}/sla/{month}/reports: the page's form, for a customer
 * token (a share link only shows the page).
 */
import { DcprobeError, E, formatInstant, MONTH_RE, monthBounds } from '@dcprobe/shared';
import { readText, sendText, type RequestContext, type Route } from '../http/router.ts';
import { reconcile } from '../sla/reconcile.ts';
import type { ApiContext } from '../api/context.ts';
import { zoneOf } from '../api/context.ts';
import { asOfParam } from '../api/http.ts';
import { contractTimersJson, fileReport } from '../api/reports.ts';
import { renderPage } from './page.ts';
import { filedPage, localToInstant, reportForm } from './form.ts';
import { PAGE_CSS } from './style.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function monthOfPath(month: string): string {
  if (!MONTH_RE.test(month)) throw new DcprobeError(E.VALIDATION, `month: expected YYYY-MM, got ${JSON.stringify(month)}`);
  return month;
}

function sendHtml(c: RequestContext, status: number, html: string): void {
  c.res.setHeader('cache-control', 'no-store');
  c.res.setHeader('content-security-policy', CSP);
  c.res.setHeader('referrer-policy', 'no-referrer'); // the URL may carry a token or a share link
  sendText(c.res, status, 'text/html; charset=utf-8', html);
}

/** The form is shown to a customer token that opened the page by `?token=` (a browser can post nothing else). */
function formAction(c: RequestContext): string | undefined {
  const tok = c.url.searchParams.get('token');
  if (c.principal?.role !== 'customer' || c.principal.via !== 'token' || tok === null) return undefined;
  return `${c.url.pathname}/reports?token=${encodeURIComponent(tok)}`;
}

export function reportPageRoutes(ctx: ApiContext): Route[] {
  return [{
    method: 'GET', path: '/customers/{id}/sla/{month}', access: { role: 'read', customer: { param: 'id' }, links: true }, handler: async (c) => {
      const id = c.params.id!, month = monthOfPath(c.params.month!);
      const tz = zoneOf(ctx, id);
      const asOf = asOfParam(c.url, ctx.now());
      const input = await ctx.sla.live.input(id, month, asOf);
      const bounds = monthBounds(month, tz);
      const spec = ctx.sla.customers.latest(id)!.spec;
      const action = formAction(c);
      const listed = new Set(input.reports.map((r) => r.id));
      const reportTexts = (await ctx.sla.reports.list(id)).filter((r) => listed.has(r.id) && r.text !== undefined).map((r) => ({ id: r.id, text: r.text! }));
      const html = renderPage({
        customer: id, name: spec.name, month, input, result: reconcile(input), ports: await ctx.sla.ports.of(id, month, asOf),
        tenures: ctx.sla.customers.tenures(id).filter((t) => t.end > bounds.start && t.start < Math.min(bounds.end, asOf)),
        exclusionVersions: await ctx.sla.exclusions.list({ customer: id, withdrawn: false }), generatedAt: ctx.now(), reportTexts,
        ...(action ? { form: reportForm(action, (['network', 'power'] as const).filter((s) => spec[s]), tz) } : {}),
      });
      sendHtml(c, 200, html);
    },
  }, {
    method: 'POST', path: '/customers/{id}/sla/{month}/reports', access: { role: 'write', customer: { param: 'id' }, links: true }, handler: async (c) => {
      const id = c.params.id!, month = monthOfPath(c.params.month!);
      const tz = zoneOf(ctx, id);
      const form = new URLSearchParams(await readText(c.req, 64 * 1024));
      const iso = (k: string) => { const t = localToInstant(form.get(k), k, tz); return t === undefined ? undefined : formatInstant(t, tz); };
      const body = {
        customer: id, service: form.get('service') ?? undefined,
        claimedStart: iso('claimedStart'), claimedEnd: iso('claimedEnd'), text: form.get('text') || undefined,
        ...(c.principal?.role === 'customer' ? {} : { reportedAt: formatInstant(ctx.now(), tz) }),
      };
      const v = await fileReport(ctx, c.principal, Object.fromEntries(Object.entries(body).filter(([, x]) => x !== undefined)));
      const tok = c.url.searchParams.get('token');
      const back = `/customers/${encodeURIComponent(id)}/sla/${month}${tok === null ? '' : `?token=${encodeURIComponent(tok)}`}`;
      sendHtml(c, 201, filedPage({ id: v.id, service: v.service, reportedAt: formatInstant(v.reportedAt, tz), timers: contractTimersJson(ctx, v, ctx.now()) }, back, PAGE_CSS));
    },
  }];
}
