/**
 * /api/v1/exclusions: windows not counted (maintenance, authorised work, …)
 * with their category, reference and who entered them. Create, correct (PUT),
 * withdraw (DELETE) are write; each is a new version, the history stays.
 */
import { formatInstant, monthBounds } from '@dcprobe/shared';
import { readJson, type Route } from '../http/router.ts';
import { EXCLUSION_CATEGORIES, SERVICES } from '../sla/types.ts';
import type { ExclusionFields, ExclusionVersion } from '../ledger/exclusions.ts';
import { bodyObject, fail, id, instant, oneOf, onlyKeys, text, type Body } from '../ledger/fields.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { monthParam, respond, toCsvTable } from './http.ts';

const FIELDS = ['customer', 'service', 'start', 'end', 'category', 'ref'] as const;

function checkFields(ctx: ApiContext, b: Body): ExclusionFields {
  const customer = id(b, 'customer', false);
  if (customer !== undefined) zoneOf(ctx, customer);
  const f: ExclusionFields = {
    customer, service: oneOf(b, 'service', SERVICES, false),
    start: instant(b, 'start', true)!, end: instant(b, 'end', true)!,
    category: oneOf(b, 'category', EXCLUSION_CATEGORIES, true)!,
    ref: text(b, 'ref', 200) ?? fail('ref', 'required (authorisation or notice number)'),
  };
  if (!(f.end > f.start)) fail('end', 'must be after start');
  if (f.ref.trim() === '') fail('ref', 'required (authorisation or notice number)');
  return f;
}

function asBody(v: ExclusionVersion): Body {
  return { customer: v.customer, service: v.service, start: formatInstant(v.start), end: formatInstant(v.end), category: v.category, ref: v.ref };
}

function exclusionJson(ctx: ApiContext, v: ExclusionVersion): Record<string, unknown> {
  const tz = (v.customer && ctx.sla.customers.latest(v.customer)?.spec.timezone) || 'UTC';
  return {
    id: v.id, version: v.version, change: v.change, customer: v.customer ?? null, service: v.service ?? null,
    start: formatInstant(v.start, tz), end: formatInstant(v.end, tz), category: v.category, ref: v.ref, withdrawn: v.withdrawn,
    reason: v.reason ?? null, recordedAt: formatInstant(v.recordedAt), recordedBy: v.recordedBy,
  };
}

const CSV_COLS = ['id', 'version', 'customer', 'service', 'start', 'end', 'category', 'ref', 'withdrawn', 'recordedBy', 'recordedAt'];

export function exclusionRoutes(ctx: ApiContext): Route[] {
  const now = () => ctx.now();
  return [
    {
      method: 'POST', path: '/api/v1/exclusions', access: { role: 'write' }, handler: async ({ req, res, url, principal }) => {
        const who = actor(principal);
        const b = bodyObject(await readJson(req));
        onlyKeys(b, ['id', ...FIELDS]);
        const f = checkFields(ctx, b);
        const v = await ctx.sla.exclusions.create(id(b, 'id', false) ?? ctx.sla.exclusions.newId(), f, who, now());
        respond(req, res, url, 201, exclusionJson(ctx, v));
      },
    },
    {
      method: 'GET', path: '/api/v1/exclusions', access: { role: 'read' }, handler: async ({ req, res, url }) => {
        const customer = url.searchParams.get('customer') ?? undefined;
        const tz = customer === undefined ? 'Asia/Shanghai' : zoneOf(ctx, customer);
        const month = monthParam(url, false);
        const w = month === undefined ? {} : (({ start, end }) => ({ from: start, to: end }))(monthBounds(month, tz));
        const list = (await ctx.sla.exclusions.list({ ...(customer !== undefined ? { customer } : {}), ...w, withdrawn: url.searchParams.get('withdrawn') === 'true' }))
          .map((v) => exclusionJson(ctx, v));
        respond(req, res, url, 200, { exclusions: list }, () => toCsvTable(CSV_COLS, list), `exclusions-${customer ?? 'all'}-${month ?? 'all'}`);
      },
    },
    {
      method: 'GET', path: '/api/v1/exclusions/{id}', access: { role: 'read' }, handler: async ({ req, res, url, params }) => {
        const latest = await ctx.sla.exclusions.latest(params.id!);
        respond(req, res, url, 200, {
          ...exclusionJson(ctx, latest),
          history: (await ctx.sla.exclusions.history(params.id!)).map((v) => exclusionJson(ctx, v)),
          audit: await ctx.sla.audit.of('exclusion', params.id!),
        });
      },
    },
    {
      method: 'PUT', path: '/api/v1/exclusions/{id}', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        const who = actor(principal);
        const latest = await ctx.sla.exclusions.latest(params.id!);
        const b = bodyObject(await readJson(req));
        onlyKeys(b, [...FIELDS, 'reason']);
        const f = checkFields(ctx, { ...asBody(latest), ...b });
        respond(req, res, url, 200, exclusionJson(ctx, await ctx.sla.exclusions.revise(latest, 'correct', f, who, now(), text(b, 'reason', 1000))));
      },
    },
    {
      method: 'DELETE', path: '/api/v1/exclusions/{id}', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        const who = actor(principal);
        const latest = await ctx.sla.exclusions.latest(params.id!);
        const raw = await readJson(req);
        const b = raw === null ? {} : bodyObject(raw);
        onlyKeys(b, ['reason']);
        respond(req, res, url, 200, exclusionJson(ctx, await ctx.sla.exclusions.revise(latest, 'withdraw', latest, who, now(), text(b, 'reason', 1000))));
      },
    },
  ];
}
