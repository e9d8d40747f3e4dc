/** What every API route module gets: the SLA ledger, the clock, the log. Who may call a route is its `access` (http/access.ts). */
import { DcprobeError, E } from '@dcprobe/shared';
import type { Logger } from 'pino';
import type { Principal } from '../http/access.ts';
import type { TokenBook } from '../http/auth.ts';
import type { ShareLinks } from '../http/share-links.ts';
import type { ApiTokenStore } from '../store/types.ts';
import type { SlaLedger } from '../ledger/index.ts';
import type { NoticeService } from '../notify/service.ts';
import type { Store } from '../store/types.ts';

export interface ApiContext {
  sla: SlaLedger;
  now: () => number;
  log: Logger;
  /** Restoration notices; absent when the config has no `notices`. */
  notices?: NoticeService | undefined;
  /** Frozen statements; absent when the config has no `statements`. */
  statements?: { store: Store } | undefined;
  /** The tokens in force, where API-made ones are kept, and the share-link signer. */
  access: { tokens: TokenBook; tokenStore: ApiTokenStore; links: ShareLinks };
}

/** The time zone a customer's times are shown in; 404 for an unknown customer. */
export function zoneOf(ctx: ApiContext, customer: string): string {
  const v = ctx.sla.customers.latest(customer);
  if (!v) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(customer)}`);
  return v.spec.timezone;
}

/** Who the ledger records as having made a change: the token's name, `share-link`, or `anonymous`. */
export function actor(p: Principal | null): string {
  return p?.name ?? 'anonymous';
}
