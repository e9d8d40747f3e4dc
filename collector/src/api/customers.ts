/**
 * /api/v1/customers: customers and their services with their history (read),
 * new customers and new versions (admin). A version takes effect at `validFrom`
 * (default: now), so a port re-patched yesterday can be recorded as of then;
 * a new version replaces the old one from that instant on (ledger/customers.ts).
 */
import { fieldPath, formatInstant } from '@dcprobe/shared';
import { readJson, type RequestContext, type Route } from '../http/router.ts';
import { customerSchema, type CustomerConfig } from '../config.ts';
import type { CustomerVersion } from '../ledger/customers.ts';
import { bodyObject, fail, instant } from '../ledger/fields.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { respond, toCsvTable } from './http.ts';

function parseSpec(raw: Record<string, unknown>): CustomerConfig {
  const r = customerSchema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  if (i.code === 'unrecognized_keys') fail(`${fieldPath(i.path) ? `${fieldPath(i.path)}.` : ''}${i.keys[0]}`, 'unknown field');
  fail(fieldPath(i.path) || 'body', i.message);
}

function versionJson(v: CustomerVersion, end?: number): Record<string, unknown> {
  return {
    id: v.customer, version: v.version, validFrom: v.validFrom === 0 ? null : formatInstant(v.validFrom, v.spec.timezone),
    ...(end !== undefined ? { validTo: Number.isFinite(end) ? formatInstant(end, v.spec.timezone) : null } : {}),
    source: v.source, recordedAt: formatInstant(v.recordedAt), recordedBy: v.recordedBy, spec: v.spec,
  };
}

export function customerRoutes(ctx: ApiContext): Route[] {
  const now = () => ctx.now();
  const write = async ({ req, principal }: Pick<RequestContext, 'req' | 'principal'>, pathId: string | undefined) => {
    const who = actor(principal);
    const b = bodyObject(await readJson(req));
    const { validFrom: vf, ...rest } = b;
    if (pathId !== undefined) {
      zoneOf(ctx, pathId);
      if (rest.id !== undefined && rest.id !== pathId) fail('id', `must match the path (${pathId})`);
      rest.id = pathId;
    }
    const validFrom = instant({ validFrom: vf }, 'validFrom', false) ?? now();
    const spec = parseSpec(rest);
    if (pathId === undefined && ctx.sla.customers.has(spec.id)) fail('id', `customer ${spec.id} already exists (PUT a new version)`);
    return ctx.sla.customers.put(spec, validFrom, 'api', who, now());
  };
  return [
    {
      method: 'GET', path: '/api/v1/customers', access: { role: 'read' }, handler: ({ req, res, url }) => {
        const list = ctx.sla.customers.ids().map((id) => versionJson(ctx.sla.customers.latest(id)!));
        respond(req, res, url, 200, { customers: list }, () => toCsvTable(['id', 'version', 'validFrom', 'source', 'recordedBy', 'spec'], list), 'customers');
      },
    },
    {
      method: 'GET', path: '/api/v1/customers/{id}', access: { role: 'read' }, handler: async ({ req, res, url, params }) => {
        const id = params.id!;
        zoneOf(ctx, id);
        const tenures = ctx.sla.customers.tenures(id);
        respond(req, res, url, 200, {
          ...versionJson(ctx.sla.customers.latest(id)!),
          history: ctx.sla.customers.history(id).map((v) => versionJson(v)),
          tenures: tenures.map((t) => ({ version: t.version.version, from: t.start === 0 ? null : formatInstant(t.start, t.version.spec.timezone), to: Number.isFinite(t.end) ? formatInstant(t.end, t.version.spec.timezone) : null })),
          audit: await ctx.sla.audit.of('customer', id),
        });
      },
    },
    { method: 'POST', path: '/api/v1/customers', access: { role: 'admin' }, handler: async (c) => respond(c.req, c.res, c.url, 201, versionJson(await write(c, undefined))) },
    { method: 'PUT', path: '/api/v1/customers/{id}', access: { role: 'admin' }, handler: async (c) => respond(c.req, c.res, c.url, 200, versionJson(await write(c, c.params.id!))) },
  ];
}

