/**
 * The month's figures for one customer, live from the store: `/sla` is the
 * result of `reconcile` on exactly the input `/scenario` exports, so running
 * `dcprobe-collector reconcile` on the downloaded scenario gives the same result.
 * `asOf` (default: now) lets the NOC see what was known at an earlier time.
 * `/api/v1/sla` is every customer's month in figures at once (the same
 * numbers, without the lists of instants), for the month's end: whose fee is
 * waived, who came near the target.
 */
import { formatInstant, monthOf } from '@dcprobe/shared';
import type { Route } from '../http/router.ts';
import { reconcile } from '../sla/reconcile.ts';
import { toScenario } from '../sla/to-scenario.ts';
import { toCsv } from '../sla/csv.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { asOfParam, monthParam, respond } from './http.ts';

export function slaRoutes(ctx: ApiContext): Route[] {
  const args = (url: URL, id: string) => {
    const tz = zoneOf(ctx, id);
    const asOf = asOfParam(url, ctx.now());
    return { month: monthParam(url, true, () => monthOf(asOf, tz)), asOf };
  };
  return [
    {
      method: 'GET', path: '/api/v1/sla', access: { role: 'read' }, handler: async ({ req, res, url }) => {
        const asOf = asOfParam(url, ctx.now());
        // Without a month: the one running in UTC at asOf (customers' zones differ; the caller names the month to be exact).
        const month = monthParam(url, true, () => monthOf(asOf, 'UTC'));
        const { customers } = await ctx.sla.months.figures(month, asOf);
        const result = { month, asOf: formatInstant(asOf, 'UTC'), customers };
        respond(req, res, url, 200, result, () => toCsv(result), `sla-${month}`);
      },
    },
    {
      method: 'GET', path: '/api/v1/customers/{id}/sla', access: { role: 'read', customer: { param: 'id' } }, handler: async ({ req, res, url, params }) => {
        const { month, asOf } = args(url, params.id!);
        const result = reconcile(await ctx.sla.live.input(params.id!, month, asOf));
        respond(req, res, url, 200, result, () => toCsv(result), `sla-${params.id}-${month}`);
      },
    },
    {
      method: 'GET', path: '/api/v1/customers/{id}/scenario', access: { role: 'read', customer: { param: 'id' } }, handler: async ({ req, res, url, params }) => {
        const { month, asOf } = args(url, params.id!);
        // Ports' observations carry their administrative state: evidence, which reconciles to the same figures.
        const scenario = toScenario(await ctx.sla.ports.withAdmin(await ctx.sla.live.input(params.id!, month, asOf)));
        res.setHeader('content-disposition', `attachment; filename="scenario-${params.id}-${month}.json"`);
        respond(req, res, url, 200, scenario);
      },
    },
  ];
}
