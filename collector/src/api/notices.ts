/**
 * Restoration notices: the drafts the collector made from the measurements,
 * their deliveries with every attempt, and the NOC's confirmation that sends
 * a draft. Receipt times are what the report's noticeAt becomes.
 */
import { DcprobeError, E, formatInstant } from '@dcprobe/shared';
import type { Route } from '../http/router.ts';
import type { NoticeRecord, StoredDelivery } from '../store/types.ts';
import { actor, zoneOf, type ApiContext } from './context.ts';
import { respond } from './http.ts';

export function noticeRoutes(ctx: ApiContext): Route[] {
  const service = () => {
    if (!ctx.notices) throw new DcprobeError(E.NOT_FOUND, 'restoration notices are not configured (notices in the config)');
    return ctx.notices;
  };
  const iso = (ms: number | null | undefined, tz: string) => (ms === null || ms === undefined ? null : formatInstant(ms, tz));
  const noticeJson = (n: NoticeRecord) => {
    const tz = ctx.sla.customers.latest(n.customer)?.spec.timezone ?? 'UTC';
    return {
      id: n.id, report: n.report, customer: n.customer, status: n.status, draftedAt: iso(n.draftedAt, tz), confirmedAt: iso(n.confirmedAt, tz),
      confirmedBy: n.confirmedBy, deliveredAt: iso(n.deliveredAt, tz), draft: JSON.parse(n.draft) as unknown,
    };
  };
  const deliveryJson = (s: StoredDelivery, tz: string) => {
    const d = s.delivery;
    return {
      id: d.id, channel: d.channel, target: d.target, status: d.status, createdAt: iso(d.createdAt, tz), nextAttemptAt: iso(d.nextAttemptAt, tz),
      receipt: d.receipt ? { at: iso(d.receipt.at, tz), response: d.receipt.response } : null,
      attempts: d.attempts.map((a) => ({ n: a.n, startedAt: iso(a.startedAt, tz), endedAt: iso(a.endedAt, tz), outcome: a.outcome })),
    };
  };
  const store = () => service().store;
  return [
    {
      // A customer sees the notices of its own reports (the list, pinned to it); their deliveries are the NOC's.
      method: 'GET', path: '/api/v1/notices', access: { role: 'read', customer: { query: 'customer' } }, handler: async ({ req, res, url }) => {
        const customer = url.searchParams.get('customer') ?? undefined;
        if (customer !== undefined) zoneOf(ctx, customer);
        respond(req, res, url, 200, { notices: (await store().notices(customer)).map(noticeJson) });
      },
    },
    {
      method: 'GET', path: '/api/v1/notices/{id}', access: { role: 'read' }, handler: async ({ req, res, url, params }) => {
        const n = await store().notice(params.id!);
        if (!n) throw new DcprobeError(E.NOT_FOUND, `unknown notice ${JSON.stringify(params.id)}`);
        const tz = zoneOf(ctx, n.customer);
        const deliveries = await store().deliveries({ kind: 'notice', id: n.id });
        respond(req, res, url, 200, { ...noticeJson(n), deliveries: deliveries.map((d) => deliveryJson(d, tz)) });
      },
    },
    {
      method: 'POST', path: '/api/v1/notices/{id}/confirm', access: { role: 'write' }, handler: async ({ req, res, url, params, principal }) => {
        respond(req, res, url, 201, noticeJson(await service().confirm(params.id!, actor(principal))));
      },
    },
  ];
}
