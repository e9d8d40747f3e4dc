/**
 * Admin: API tokens made while running (`/api/v1/tokens`), beside the
 * config's, and signed share links to one customer's report page. A token
 * is shown once, in the answer that creates it; only its hash is stored.
 */
import { DcprobeError, E, formatInstant, monthOf } from '@dcprobe/shared';
import { readJson, type Route } from '../http/router.ts';
import { NOC_ROLES } from '../http/access.ts';
import type { ApiTokenRow } from '../store/types.ts';
import { hashToken, newToken } from '../tokens.ts';
import { bodyObject, fail, id, instant, oneOf, onlyKeys, text } from '../ledger/fields.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { monthParam, respond } from './http.ts';

const TOKEN_ROLES = [...NOC_ROLES, 'customer'] as const;
/** A share link lives at most this long: a link is handed on by people, and cannot be revoked one by one. */
const MAX_LINK_MS = 92 * 86_400_000;

function tokenJson(t: ApiTokenRow): Record<string, unknown> {
  return {
    name: t.name, role: t.role, customer: t.customer, createdAt: formatInstant(t.createdAt), createdBy: t.createdBy,
    revokedAt: t.revokedAt === null ? null : formatInstant(t.revokedAt), revokedBy: t.revokedBy,
  };
}

export function tokenRoutes(ctx: ApiContext): Route[] {
  const { tokens, tokenStore, links } = ctx.access;
  return [
    {
      method: 'POST', path: '/api/v1/tokens', access: { role: 'admin' }, handler: async ({ req, res, url, principal }) => {
        const b = bodyObject(await readJson(req));
        onlyKeys(b, ['name', 'role', 'customer']);
        const name = text(b, 'name', 100) ?? fail('name', 'required');
        if (name.trim() === '') fail('name', 'required');
        const role = oneOf(b, 'role', TOKEN_ROLES, true)!;
        const customer = role === 'customer' ? id(b, 'customer', true) : id(b, 'customer', false);
        if (role !== 'customer' && customer !== undefined) fail('customer', 'only with role customer');
        if (customer !== undefined) zoneOf(ctx, customer);
        if (tokens.hasName(name)) throw new DcprobeError(E.CONFLICT, `name: a token named ${JSON.stringify(name)} exists`);
        const token = newToken();
        const row: ApiTokenRow = {
          name, role, customer: customer ?? null, tokenHash: hashToken(token), createdAt: ctx.now(), createdBy: actor(principal), revokedAt: null, revokedBy: null,
        };
        await tokenStore.addApiToken(row);
        tokens.add({ name, role, customer, tokenHash: row.tokenHash });
        ctx.log.info({ by: row.createdBy, name, role, customer }, 'API token created');
        respond(req, res, url, 201, { ...tokenJson(row), token });
      },
    },
    {
      method: 'GET', path: '/api/v1/tokens', access: { role: 'admin' }, handler: async ({ req, res, url }) => {
        respond(req, res, url, 200, { tokens: (await tokenStore.apiTokens()).map(tokenJson) });
      },
    },
    {
      method: 'DELETE', path: '/api/v1/tokens/{name}', access: { role: 'admin' }, handler: async ({ req, res, url, params, principal }) => {
        const name = params.name!;
        if (!(await tokenStore.revokeApiToken(name, ctx.now(), actor(principal)))) {
          throw new DcprobeError(E.NOT_FOUND, `no live API-made token ${JSON.stringify(name)} (config tokens are removed from the config)`);
        }
        tokens.remove(name);
        ctx.log.info({ by: actor(principal), name }, 'API token revoked');
        respond(req, res, url, 200, tokenJson((await tokenStore.apiTokens()).find((t) => t.name === name)!));
      },
    },
    {
      method: 'POST', path: '/api/v1/customers/{id}/share-links', access: { role: 'admin' }, handler: async ({ req, res, url, params, principal }) => {
        const customer = params.id!;
        const tz = zoneOf(ctx, customer);
        const raw = await readJson(req);
        const b = raw === null ? {} : bodyObject(raw);
        onlyKeys(b, ['expiresAt', 'month']);
        const now = ctx.now();
        const expiresAt = instant(b, 'expiresAt', true)!;
        if (expiresAt <= now) fail('expiresAt', 'must be in the future');
        if (expiresAt > now + MAX_LINK_MS) fail('expiresAt', 'at most 92 days ahead');
        const month = typeof b.month === 'string' ? monthParam(new URL(`http://x/?month=${encodeURIComponent(b.month)}`), false)! : monthOf(now, tz);
        const query = links.query(customer, expiresAt);
        ctx.log.info({ by: actor(principal), customer, expiresAt: formatInstant(expiresAt) }, 'share link issued');
        respond(req, res, url, 201, {
          customer, expiresAt: formatInstant(Math.floor(expiresAt / 1000) * 1000, tz), path: `/customers/${encodeURIComponent(customer)}/sla/${month}?${query}`,
        });
      },
    },
  ];
}
