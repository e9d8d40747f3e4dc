/** What every API route module gets: the ledger, the clock, the role check. */
import type { IncomingMessage } from 'node:http';
import { DcprobeError, E } from '@dcprobe/shared';
import type { RouteDeps } from '../server.ts';
import type { SlaLedger } from '../ledger/index.ts';

export interface ApiContext { deps: RouteDeps; sla: SlaLedger }

/** The time zone a customer's times are shown in; 404 for an unknown customer. */
export function zoneOf(ctx: ApiContext, customer: string): string {
  const v = ctx.sla.customers.latest(customer);
  if (!v) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(customer)}`);
  return v.spec.timezone;
}

export function actor(ctx: ApiContext, req: IncomingMessage, role: 'read' | 'write' | 'admin'): string {
  return ctx.deps.authorize(req, role).name;
}
