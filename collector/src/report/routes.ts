/**
 * GET /customers/{id}/sla/{month}[?asOf=…]: the printable page. Read role,
 * by bearer token or `?token=` so a browser can open and print it from a link.
 * A token in a URL can end up in browser history and proxy logs: use a read-only
 * token for links (it can change nothing) and prefer the header where possible.
 */
import type { IncomingMessage } from 'node:http';
import { DcprobeError, E, MONTH_RE, monthBounds } from '@dcprobe/shared';
import { sendText, type Route } from '../http/router.ts';
import { reconcile } from '../sla/reconcile.ts';
import type { ApiContext } from '../api/context.ts';
import { zoneOf } from '../api/context.ts';
import { asOfParam } from '../api/http.ts';
import { renderPage } from './page.ts';

function withQueryToken(req: IncomingMessage, url: URL): IncomingMessage {
  const tok = url.searchParams.get('token');
  if (tok === null || req.headers.authorization) return req;
  return { headers: { ...req.headers, authorization: `Bearer ${tok}` } } as IncomingMessage;
}

export function reportPageRoutes(ctx: ApiContext): Route[] {
  return [{
    method: 'GET', path: '/customers/{id}/sla/{month}', handler: async ({ req, res, url, params }) => {
      ctx.authorize(withQueryToken(req, url), 'read');
      const id = params.id!, month = params.month!;
      zoneOf(ctx, id);
      if (!MONTH_RE.test(month)) throw new DcprobeError(E.VALIDATION, `month: expected YYYY-MM, got ${JSON.stringify(month)}`);
      const asOf = asOfParam(url, ctx.now());
      const input = await ctx.sla.live.input(id, month, asOf);
      const bounds = monthBounds(month, zoneOf(ctx, id));
      const html = renderPage({
        customer: id, name: ctx.sla.customers.latest(id)!.spec.name, month, input, result: reconcile(input),
        tenures: ctx.sla.customers.tenures(id).filter((t) => t.end > bounds.start && t.start < Math.min(bounds.end, asOf)),
        exclusionVersions: await ctx.sla.exclusions.list({ customer: id, withdrawn: false }), generatedAt: ctx.now(),
      });
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      sendText(res, 200, 'text/html; charset=utf-8', html);
    },
  }];
}
