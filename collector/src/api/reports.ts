/**
 * /api/v1/reports: customers' outage reports (tickets). Create (write), list
 * (read; by customer and month, with each report's verdict and ticket timers;
 * `limit`/`after` page it),
 * get with its version history, correct (PUT: a new version; given fields
 * replace, null clears an optional one), restoration notice (a new version).
 * A customer token files its own reports (fileReport): the collector's receipt
 * time is `reportedAt`, the token's customer is the customer, source `customer`.
 */
import { DcprobeError, E, formatInstant } from '@dcprobe/shared';
import { readJson, type Route } from '../http/router.ts';
import type { Principal } from '../http/access.ts';
import { reportTimers } from '../timers/contract.ts';
import { SERVICES } from '../sla/types.ts';
import type { ReportFields, ReportVersion } from '../ledger/reports.ts';
import { ticketTimers } from '../ledger/timers.ts';
import { bodyObject, fail, id, instant, notBefore, oneOf, onlyKeys, text, type Body } from '../ledger/fields.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { monthParam, page, respond, toCsvTable } from './http.ts';

const FIELDS = ['customer', 'service', 'reportedAt', 'noticeAt', 'claimedStart', 'claimedEnd', 'firstResponseAt', 'writtenReportAt', 'text'] as const;
/** What a customer may say in its own report; the rest is the provider's to record. */
const CUSTOMER_FIELDS = ['customer', 'service', 'claimedStart', 'claimedEnd', 'text'] as const;

/** Validates a full set of fields (after a correction was merged in). */
function checkFields(ctx: ApiContext, b: Body): ReportFields {
  const customer = id(b, 'customer', true);
  zoneOf(ctx, customer);
  const service = oneOf(b, 'service', SERVICES, true)!;
  if (!ctx.sla.customers.latest(customer)!.spec[service]) fail('service', `customer ${customer} has no ${service} service`);
  const f: ReportFields = {
    customer, service, reportedAt: instant(b, 'reportedAt', true)!,
    noticeAt: instant(b, 'noticeAt', false), claimedStart: instant(b, 'claimedStart', false),
    claimedEnd: instant(b, 'claimedEnd', false), firstResponseAt: instant(b, 'firstResponseAt', false),
    writtenReportAt: instant(b, 'writtenReportAt', false), text: text(b, 'text'),
  };
  notBefore(f.noticeAt, 'noticeAt', f.reportedAt, 'reportedAt');
  notBefore(f.firstResponseAt, 'firstResponseAt', f.reportedAt, 'reportedAt');
  notBefore(f.writtenReportAt, 'writtenReportAt', f.reportedAt, 'reportedAt');
  notBefore(f.claimedEnd, 'claimedEnd', f.claimedStart, 'claimedStart');
  return f;
}

/** The latest version as stored fields in ISO form, so a correction can merge over it. */
function asBody(v: ReportVersion): Body {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : formatInstant(ms));
  return {
    customer: v.customer, service: v.service, reportedAt: iso(v.reportedAt), noticeAt: iso(v.noticeAt),
    claimedStart: iso(v.claimedStart), claimedEnd: iso(v.claimedEnd), firstResponseAt: iso(v.firstResponseAt),
    writtenReportAt: iso(v.writtenReportAt), text: v.text,
  };
}

export function reportJson(ctx: ApiContext, v: ReportVersion, asOf: number): Record<string, unknown> {
  const tz = ctx.sla.customers.latest(v.customer)?.spec.timezone ?? 'UTC';
  const iso = (ms: number | undefined) => (ms === undefined ? null : formatInstant(ms, tz));
  return {
    id: v.id, version: v.version, change: v.change, customer: v.customer, service: v.service, source: v.source ?? 'noc',
    reportedAt: iso(v.reportedAt), noticeAt: iso(v.noticeAt), claimedStart: iso(v.claimedStart), claimedEnd: iso(v.claimedEnd),
    firstResponseAt: iso(v.firstResponseAt), writtenReportAt: iso(v.writtenReportAt), text: v.text ?? null, open: v.noticeAt === undefined || v.noticeAt > asOf,
    timers: ticketTimers(v, asOf, tz), reason: v.reason ?? null, recordedAt: formatInstant(v.recordedAt), recordedBy: v.recordedBy,
  };
}

const CSV_COLS = ['id', 'version', 'customer', 'service', 'reportedAt', 'noticeAt', 'claimedStart', 'claimedEnd', 'firstResponseAt',
  'writtenReportAt', 'open', 'verdict', 'countableSeconds', 'firstResponseMissed', 'writtenReportMissed', 'resolutionMissed', 'recordedBy'];

/** The contract's timers of a report (timers/contract.ts) in the customer's zone. */
export function contractTimersJson(ctx: ApiContext, v: ReportVersion, asOf: number): Record<string, unknown> {
  const tz = ctx.sla.customers.latest(v.customer)?.spec.timezone ?? 'UTC';
  return Object.fromEntries(Object.entries(reportTimers(v, asOf)).map(([k, t]) => [k, {
    state: t.state, due: formatInstant(t.dueAt, tz), at: t.stoppedAt === null ? null : formatInstant(t.stoppedAt, tz),
  }]));
}

/**
 * A new report. From a customer token: `reportedAt` is the collector's receipt
 * time (a caller's reportedAt is refused, 400, so no client thinks it was used),
 * the customer is the token's (another one named is a 404), the id is generated.
 */
export async function fileReport(ctx: ApiContext, principal: Principal | null, b: Body): Promise<ReportVersion> {
  const now = ctx.now();
  if (principal?.role !== 'customer') {
    onlyKeys(b, ['id', ...FIELDS]);
    return ctx.sla.reports.create(id(b, 'id', false) ?? ctx.sla.reports.newId(), { ...checkFields(ctx, b), source: 'noc' }, actor(principal), now);
  }
  if ('reportedAt' in b) fail('reportedAt', 'set by the collector: the time it receives the report');
  onlyKeys(b, CUSTOMER_FIELDS);
  if (b.customer !== undefined && b.customer !== principal.customer) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(b.customer)}`);
  const f = checkFields(ctx, { ...b, customer: principal.customer, reportedAt: formatInstant(now) });
  return ctx.sla.reports.create(ctx.sla.reports.newId(), { ...f, reportedAt: now, source: 'customer' }, actor(principal), now);
}

export function reportRoutes(ctx: ApiContext): Route[] {
  const now = () => ctx.now();
  return [
    {
      method: 'POST', path: '/api/v1/reports', access: { role: 'write', customer: 'self' }, handler: async ({ req, res, url, principal }) => {
        const v = await fileReport(ctx, principal, bodyObject(await readJson(req)));
        respond(req, res, url, 201, { ...reportJson(ctx, v, now()), contractTimers: contractTimersJson(ctx, v, now()) });
      },
    },
    {
      method: 'GET', path: '/api/v1/reports', access: { role: 'read', customer: { query: 'customer' } }, handler: async ({ req, res, url }) => {
        const customer = url.searchParams.get('customer') ?? undefined;
        if (customer !== undefined) zoneOf(ctx, customer);
        const month = monthParam(url, false);
        const asOf = now();
        // Without a month, page the stored versions before rendering them; with one,
        // the month's filter decides what is listed, so page what it kept.
        const versions = await ctx.sla.reports.list(customer);
        let list: readonly Record<string, unknown>[];
        let next: string | null | undefined;
        if (month === undefined) {
          const p = page(url, versions, (v) => v.id);
          list = p.items.map((v) => reportJson(ctx, v, asOf));
          next = p.next;
        } else {
          ({ items: list, next } = page(url, await withMonthFigures(ctx, versions.map((v) => reportJson(ctx, v, asOf)), month, asOf), (r) => r.id as string));
        }
        respond(req, res, url, 200, { reports: list, ...(next !== undefined ? { next } : {}) }, () => toCsvTable(CSV_COLS, list.map((r) => ({
          ...r, firstResponseMissed: (r.timers as ReturnType<typeof ticketTimers>).firstResponse.missed,
          writtenReportMissed: (r.timers as ReturnType<typeof ticketTimers>).writtenReport.missed,
          resolutionMissed: (r.timers as ReturnType<typeof ticketTimers>).resolution.missed,
        }))), `reports-${customer ?? 'all'}-${month ?? 'all'}`);
      },
    },
    {
      method: 'GET', path: '/api/v1/reports/{id}', access: { role: 'read', customer: { report: 'id' } }, handler: async ({ req, res, url, params }) => {
        const asOf = now();
        const latest = await ctx.sla.reports.latest(params.id!);
        respond(req, res, url, 200, {
          ...reportJson(ctx, latest, asOf),
          history: (await ctx.sla.reports.history(params.id!)).map((v) => reportJson(ctx, v, asOf)),
          audit: await ctx.sla.audit.of('report', params.id!),
        });
      },
    },
    {
      method: 'PUT', path: '/api/v1/reports/{id}', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        const who = actor(principal);
        const latest = await ctx.sla.reports.latest(params.id!);
        const b = bodyObject(await readJson(req));
        onlyKeys(b, [...FIELDS, 'reason']);
        const f = { ...checkFields(ctx, { ...asBody(latest), ...b }), source: latest.source };
        const v = await ctx.sla.reports.revise(latest, 'correct', f, who, now(), text(b, 'reason', 1000));
        respond(req, res, url, 200, reportJson(ctx, v, now()));
      },
    },
    {
      method: 'POST', path: '/api/v1/reports/{id}/notice', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        const who = actor(principal);
        const latest = await ctx.sla.reports.latest(params.id!);
        const b = bodyObject(await readJson(req));
        onlyKeys(b, ['noticeAt', 'reason']);
        const noticeAt = instant(b, 'noticeAt', true)!;
        notBefore(noticeAt, 'noticeAt', latest.reportedAt, 'reportedAt');
        const v = await ctx.sla.reports.revise(latest, 'notice', { ...latest, noticeAt }, who, now(), text(b, 'reason', 1000));
        respond(req, res, url, 201, reportJson(ctx, v, now()));
      },
    },
  ];
}

/** Keeps the reports listed in the month (docs/sla-rules.md §4) and adds their month figures from the live result. */
async function withMonthFigures(ctx: ApiContext, list: Record<string, unknown>[], month: string, asOf: number): Promise<Record<string, unknown>[]> {
  const byCustomer = new Map<string, Map<string, Record<string, unknown>>>();
  for (const customer of new Set(list.map((r) => r.customer as string))) {
    const m = new Map<string, Record<string, unknown>>();
    const services = (await ctx.sla.live.result(customer, month, asOf)).customers[0]?.services ?? {};
    for (const s of [services.network, services.power]) for (const r of s?.reports ?? []) m.set(r.id, { ...r });
    byCustomer.set(customer, m);
  }
  return list.flatMap((r) => {
    const fig = byCustomer.get(r.customer as string)?.get(r.id as string);
    if (!fig) return [];
    return [{ ...r, verdict: fig.verdict, basis: fig.basis, countableSeconds: fig.countableSeconds, excludedSeconds: fig.excludedSeconds,
      claimedSeconds: fig.claimedSeconds, measuredSeconds: fig.measuredSeconds }];
  });
}
