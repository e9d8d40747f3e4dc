/** What every API route module gets: the SLA ledger, the clock, the role check, the log. */
import type { IncomingMessage } from 'node:http';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Logger } from 'pino';
import type { ApiPrincipal } from '../http/auth.ts';
import type { Role } from '../config.ts';
import type { SlaLedger } from '../ledger/index.ts';
import type { NoticeService } from '../notify/service.ts';
import type { Store } from '../store/types.ts';

export interface ApiContext {
  sla: SlaLedger;
  now: () => number;
  authorize: (req: IncomingMessage, need: Role) => ApiPrincipal;
  log: Logger;
  /** Restoration notices; absent when the config has no `notices`. */
  notices?: NoticeService | undefined;
  /** Frozen statements; absent when the config has no `statements`. */
  statements?: { store: Store } | undefined;
}

/** The time zone a customer's times are shown in; 404 for an unknown customer. */
export function zoneOf(ctx: ApiContext, customer: string): string {
  const v = ctx.sla.customers.latest(customer);
  if (!v) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(customer)}`);
  return v.spec.timezone;
}

export function actor(ctx: ApiContext, req: IncomingMessage, role: 'read' | 'write' | 'admin'): string {
  return ctx.authorize(req, role).name;
}
