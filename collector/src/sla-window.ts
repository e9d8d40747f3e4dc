/**
 * What the coverage and report-deadline alerts need beside a service's month
 * figures, derived from the same reconcile result (pure: no clock, no store).
 *
 * `coverage` in the result is the share of the whole month so far that was
 * measured: the evidence figure the report shows. Judged by it, a customer
 * added mid-month, or a dcprobe installed mid-month, looks badly covered for
 * the rest of the month, since nothing was measured before. The coverage
 * WINDOW starts at the latest of
 *  - the month's start,
 *  - the start of the customer's current, unbroken tenure with this service,
 *  - the service's first measurement (the end of an "unknown since ever" gap),
 * and runs to asOf. A service never measured at all is judged from when
 * dcprobe first recorded the customer, so a port nobody measures still shows.
 */
import { parseInstant } from '@dcprobe/shared';
import type { Service, ServiceResult } from './sla/types.ts';
import type { CustomerVersion, Tenure } from './ledger/customers.ts';

export interface CoverageWindow {
  /** UTC ms the window starts. */
  start: number;
  /** Time in [start, asOf] in which the service state was not measured. */
  unmeasuredMs: number;
}

/** Start of the unbroken run of tenures having `service` that holds at asOf; null if none holds. */
export function tenureStart(tenures: readonly Tenure[], service: Service, asOf: number): number | null {
  let i = tenures.findIndex((t) => t.start <= asOf && asOf < t.end);
  if (i < 0 || !tenures[i]!.version.spec[service]) return null;
  while (i > 0 && tenures[i - 1]!.version.spec[service] && tenures[i - 1]!.end === tenures[i]!.start) i--;
  return tenures[i]!.start;
}

export function coverageWindow(
  s: ServiceResult, service: Service, history: readonly CustomerVersion[], tenures: readonly Tenure[], monthStart: number, asOf: number,
): CoverageWindow | null {
  const since = tenureStart(tenures, service, asOf);
  if (since === null || asOf <= monthStart) return null;
  let start = Math.max(monthStart, since);
  const first = s.gaps[0];
  if (first && first.start === null) {
    const recorded = Math.min(...history.map((v) => v.recordedAt));
    start = Math.max(start, first.end === null ? recorded : parseInstant(first.end));
  }
  start = Math.min(start, asOf);
  let unmeasuredMs = 0;
  for (const g of s.gaps) {
    const a = g.start === null ? -Infinity : parseInstant(g.start);
    const b = g.end === null ? asOf : parseInstant(g.end);
    unmeasuredMs += Math.max(0, Math.min(b, asOf) - Math.max(a, start));
  }
  return { start, unmeasuredMs };
}

/**
 * The earliest report deadline (reportableUntil) among the month's measured
 * outages that no report matches yet and that can still be reported at asOf;
 * null when there is none.
 */
export function nextUnreportedDeadline(s: ServiceResult, asOf: number): number | null {
  let next: number | null = null;
  for (const o of s.unreported) {
    const d = parseInstant(o.reportableUntil);
    if (d > asOf && (next === null || d < next)) next = d;
  }
  return next;
}
