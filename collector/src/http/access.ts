/**
 * Who may call a route, declared on the route itself (Route.access) and
 * checked by the router in one place (auth.ts makeGuard) before any handler runs.
 */

/** NOC roles, each including the ones before it. */
export const NOC_ROLES = ['read', 'write', 'admin'] as const;
export type NocRole = (typeof NOC_ROLES)[number];
/** A customer token is bound to one customer and sees only what concerns it. */
export type TokenRole = NocRole | 'customer';

/** Which customer a request concerns, for a customer-scoped caller. */
export type CustomerScope =
  /** A path parameter holding a customer id. */
  | { param: string }
  /** A query parameter naming the customer; pinned to the caller's own customer when absent. */
  | { query: string }
  /** A path parameter holding a report id: the report's customer. */
  | { report: string }
  /** A path parameter holding an authorised operation's id: the operation's customer. */
  | { operation: string }
  /** The caller's own customer (e.g. filing a report: the body cannot name another). */
  | 'self';

export interface Access {
  /** The least NOC role that may call the route; 'public' needs no token (a customer token shown is still refused). */
  role: NocRole | 'public';
  /** Present when a customer token may call the route: which customer the request concerns. Absent: customers get 403. */
  customer?: CustomerScope;
  /** Pages opened from a link: `?token=` is accepted, and on GET a signed, expiring share link for the customer. */
  links?: boolean;
}

export interface Principal {
  /** The token's name, or `share-link` (what the audit records as the actor). */
  name: string;
  role: TokenRole;
  /** Set exactly when role is customer. */
  customer?: string;
  via: 'token' | 'share-link';
}
