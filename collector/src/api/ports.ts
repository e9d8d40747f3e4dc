/**
 * GET /api/v1/customers/{id}/ports: the customer's ports and uplinks, each
 * with its state as of `asOf`, the administrative state its event carried
 * and whether it was shut administratively, and its changes over the month
 * (ledger/ports.ts). Evidence for people; the minutes are `/sla`'s.
 */
import { formatInstant, monthOf } from '@dcprobe/shared';
import type { Route } from '../http/router.ts';
import type { PortStatus } from '../ledger/ports.ts';
import { shutAdministratively } from '../ledger/ports.ts';
import { zoneOf, type ApiContext } from './context.ts';
import { asOfParam, monthParam, respond, toCsvTable } from './http.ts';

const CSV_COLUMNS = ['subject', 'role', 'state', 'since', 'admin', 'shutAdministratively'] as const;

export function portsJson(p: PortStatus, tz: string): Record<string, unknown> {
  return {
    subject: p.subject, role: p.role, state: p.state, since: p.since === null ? null : formatInstant(p.since, tz),
    admin: p.admin, shutAdministratively: p.shutAdministratively,
    changes: p.changes.map((c) => ({ state: c.state, at: formatInstant(c.at, tz), via: c.via, admin: c.admin, shutAdministratively: shutAdministratively(c) })),
  };
}

export function portRoutes(ctx: ApiContext): Route[] {
  return [{
    method: 'GET', path: '/api/v1/customers/{id}/ports', access: { role: 'read', customer: { param: 'id' } }, handler: async ({ req, res, url, params }) => {
      const id = params.id!, tz = zoneOf(ctx, id);
      const asOf = asOfParam(url, ctx.now());
      const month = monthParam(url, true, () => monthOf(asOf, tz));
      const ports = (await ctx.sla.ports.of(id, month, asOf)).map((p) => portsJson(p, tz));
      respond(req, res, url, 200, { customer: id, month, asOf: formatInstant(asOf, tz), ports },
        () => toCsvTable(CSV_COLUMNS, ports), `ports-${id}-${month}`);
    },
  }];
}
