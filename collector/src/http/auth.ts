/**
 * The one place where a request's caller is identified and checked against
 * the route's declared access (access.ts): no or unknown token → 401, a NOC
 * role too low or a customer token on a route without customer scope → 403,
 * a customer token asking about another customer → 404 (as if it did not
 * exist), a bad or expired share link → 403. Tokens are compared by hash.
 */
import type { IncomingMessage } from 'node:http';
import { DcprobeError, E } from '@dcprobe/shared';
import { bearer, hashToken } from '../tokens.ts';
import type { Access, CustomerScope, NocRole, Principal, TokenRole } from './access.ts';
import type { ShareLinks } from './share-links.ts';

const RANK: Record<NocRole, number> = { read: 1, write: 2, admin: 3 };

export interface TokenEntry { name: string; role: TokenRole; customer?: string | undefined; tokenHash: string }

/**
 * The tokens in force: the config's (fixed) and the API-made ones (added and
 * revoked while running; the store holds them, this is their index by hash).
 */
export class TokenBook {
  private readonly byHash = new Map<string, TokenEntry>();
  constructor(fixed: readonly TokenEntry[], stored: readonly TokenEntry[]) {
    for (const t of [...fixed, ...stored]) this.byHash.set(t.tokenHash, t);
  }
  has(hash: string): boolean { return this.byHash.has(hash); }
  hasName(name: string): boolean { return [...this.byHash.values()].some((t) => t.name === name); }
  add(t: TokenEntry): void { this.byHash.set(t.tokenHash, t); }
  remove(name: string): void { for (const [h, t] of this.byHash) if (t.name === name) this.byHash.delete(h); }
  find(token: string): TokenEntry | undefined { return this.byHash.get(hashToken(token)); }
}

/** What a guard sees of a request: the router's context, before the handler. */
export interface GuardRequest { req: IncomingMessage; url: URL; params: Record<string, string>; method: string }

export interface GuardDeps {
  tokens: TokenBook;
  links: ShareLinks;
  /** The customer a report belongs to; throws NOT_FOUND for an unknown report. */
  reportCustomer: (id: string) => Promise<string>;
  /** The customer an authorised operation belongs to; throws NOT_FOUND for an unknown one. */
  operationCustomer: (id: string) => Promise<string>;
  now: () => number;
}

const forbidden = (m: string) => new DcprobeError(E.FORBIDDEN, m);

export function makeGuard(d: GuardDeps) {
  /** The customer the request concerns, for a customer-scoped caller (own = the caller's customer, if known). */
  async function concerned(scope: CustomerScope, g: GuardRequest, own: string | undefined): Promise<string | undefined> {
    if (scope === 'self') return own;
    if ('param' in scope) return g.params[scope.param];
    if ('report' in scope) return d.reportCustomer(g.params[scope.report]!);
    if ('operation' in scope) return d.operationCustomer(g.params[scope.operation]!);
    const q = g.url.searchParams.get(scope.query);
    if (q === null && own !== undefined) g.url.searchParams.set(scope.query, own); // pinned: the handler lists only the caller's own
    return q ?? own;
  }

  function identify(access: Access, g: GuardRequest): Principal | null {
    const tok = bearer(g.req.headers.authorization) ?? (access.links ? g.url.searchParams.get('token') ?? undefined : undefined);
    if (tok === undefined) return null;
    const t = d.tokens.find(tok);
    if (!t) throw new DcprobeError(E.UNAUTHORIZED, 'unknown API token');
    return { name: t.name, role: t.role, ...(t.customer !== undefined ? { customer: t.customer } : {}), via: 'token' };
  }

  return async function guard(access: Access, g: GuardRequest): Promise<Principal | null> {
    const p = identify(access, g);
    if (p === null && access.links && g.method === 'GET' && access.customer && d.links.present(g.url)) {
      const customer = await concerned(access.customer, g, undefined);
      if (customer === undefined || !d.links.verify(customer, g.url, d.now())) throw forbidden('share link invalid or expired');
      return { name: 'share-link', role: 'customer', customer, via: 'share-link' };
    }
    if (p === null) {
      if (access.role === 'public') return null;
      throw new DcprobeError(E.UNAUTHORIZED, 'missing bearer token');
    }
    if (p.role === 'customer') {
      if (!access.customer) throw forbidden('not open to customer tokens');
      const c = await concerned(access.customer, g, p.customer);
      if (c !== p.customer) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(c)}`);
      return p;
    }
    if (access.role !== 'public' && RANK[p.role] < RANK[access.role]) throw forbidden(`role ${access.role} required (token has ${p.role})`);
    return p;
  };
}
export type Guard = ReturnType<typeof makeGuard>;
