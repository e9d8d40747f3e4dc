/**
 * /api/v1/operations: operations the customer authorised (a reboot, a port
 * move), recorded by the NOC when the authorisation is received. The contract
 * owes first feedback within 30 min of that receipt; the timer is in every
 * answer. Create (write), list (read; a customer reads its own), get with its
 * version history and audit rows, correct (PUT: a new version; given fields
 * replace, null clears an optional one; recording first feedback is a PUT of
 * firstFeedbackAt).
 */
import { formatInstant } from '@dcprobe/shared';
import { readJson, type Route } from '../http/router.ts';
import type { OperationFields, OperationVersion } from '../ledger/operations.ts';
import { operationTimer } from '../ledger/timers.ts';
import { bodyObject, id, instant, notBefore, onlyKeys, text, type Body } from '../ledger/fields.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { respond } from './http.ts';

const FIELDS = ['customer', 'authorisedAt', 'firstFeedbackAt', 'text'] as const;

function checkFields(ctx: ApiContext, b: Body): OperationFields {
  const customer = id(b, 'customer', true);
  zoneOf(ctx, customer);
  const f: OperationFields = {
    customer, authorisedAt: instant(b, 'authorisedAt', true)!, firstFeedbackAt: instant(b, 'firstFeedbackAt', false), text: text(b, 'text'),
  };
  notBefore(f.firstFeedbackAt, 'firstFeedbackAt', f.authorisedAt, 'authorisedAt');
  return f;
}

/** The latest version in ISO form, so a correction can merge over it. */
function asBody(v: OperationVersion): Body {
  return {
    customer: v.customer, authorisedAt: formatInstant(v.authorisedAt),
    firstFeedbackAt: v.firstFeedbackAt === undefined ? undefined : formatInstant(v.firstFeedbackAt), text: v.text,
  };
}

export function operationJson(ctx: ApiContext, v: OperationVersion, asOf: number): Record<string, unknown> {
  const tz = ctx.sla.customers.latest(v.customer)?.spec.timezone ?? 'UTC';
  const iso = (ms: number | undefined) => (ms === undefined ? null : formatInstant(ms, tz));
  return {
    id: v.id, version: v.version, change: v.change, customer: v.customer, authorisedAt: iso(v.authorisedAt),
    firstFeedbackAt: iso(v.firstFeedbackAt), text: v.text ?? null, timers: operationTimer(v, asOf, tz),
    reason: v.reason ?? null, recordedAt: formatInstant(v.recordedAt), recordedBy: v.recordedBy,
  };
}

export function operationRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'POST', path: '/api/v1/operations', access: { role: 'write' }, handler: async ({ req, res, url, principal }) => {
        const b = bodyObject(await readJson(req));
        onlyKeys(b, ['id', ...FIELDS]);
        const v = await ctx.sla.operations.create(id(b, 'id', false) ?? ctx.sla.operations.newId(), checkFields(ctx, b), actor(principal), ctx.now());
        respond(req, res, url, 201, operationJson(ctx, v, ctx.now()));
      },
    },
    {
      method: 'GET', path: '/api/v1/operations', access: { role: 'read', customer: { query: 'customer' } }, handler: async ({ req, res, url }) => {
        const customer = url.searchParams.get('customer') ?? undefined;
        if (customer !== undefined) zoneOf(ctx, customer);
        const asOf = ctx.now();
        respond(req, res, url, 200, { operations: (await ctx.sla.operations.list(customer)).map((v) => operationJson(ctx, v, asOf)) });
      },
    },
    {
      method: 'GET', path: '/api/v1/operations/{id}', access: { role: 'read', customer: { operation: 'id' } }, handler: async ({ req, res, url, params }) => {
        const asOf = ctx.now();
        const latest = await ctx.sla.operations.latest(params.id!);
        respond(req, res, url, 200, {
          ...operationJson(ctx, latest, asOf),
          history: (await ctx.sla.operations.history(params.id!)).map((v) => operationJson(ctx, v, asOf)),
          audit: await ctx.sla.audit.of('operation', params.id!),
        });
      },
    },
    {
      method: 'PUT', path: '/api/v1/operations/{id}', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        const latest = await ctx.sla.operations.latest(params.id!);
        const b = bodyObject(await readJson(req));
        onlyKeys(b, [...FIELDS, 'reason']);
        const v = await ctx.sla.operations.correct(latest, checkFields(ctx, { ...asBody(latest), ...b }), actor(principal), ctx.now(), text(b, 'reason', 1000));
        respond(req, res, url, 200, operationJson(ctx, v, ctx.now()));
      },
    },
  ];
}
