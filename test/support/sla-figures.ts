/**
 * The figures a reconcile result shows, in reconcileFigures' shape: what the
 * month's figures of every customer (reconcileFigures, /api/v1/sla) must equal.
 */
import type { ReconcileResult, ServiceResult } from '../../collector/src/sla/types.ts';

export function figuresOf(r: ReconcileResult) {
  const service = (s: ServiceResult) => ({
    monthSeconds: s.monthSeconds, allowedSeconds: s.allowedSeconds, countableSeconds: s.countableSeconds,
    measuredSeconds: s.measuredSeconds, claimedSeconds: s.claimedSeconds, disputedSeconds: s.disputedSeconds,
    availability: s.availability, breached: s.breached, feeWaived: s.feeWaived, coverage: s.coverage,
    target: s.target, maxDowntimeMinutes: s.maxDowntimeMinutes, excludedSeconds: s.excludedSeconds,
    reports: s.reports.map((x) => ({
      id: x.id, verdict: x.verdict, basis: x.basis, countableSeconds: x.countableSeconds, excludedSeconds: x.excludedSeconds,
      claimedSeconds: x.claimedSeconds, measuredSeconds: x.measuredSeconds, open: x.open, reportedAt: x.reportedAt, noticeAt: x.noticeAt,
    })),
    unreportedCount: s.unreported.length,
  });
  return {
    month: r.month, asOf: r.asOf,
    customers: r.customers.map((c) => ({
      id: c.id, timezone: c.timezone,
      services: Object.fromEntries(Object.entries(c.services).map(([k, s]) => [k, service(s)])),
    })),
  };
}

