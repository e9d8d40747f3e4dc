/**
 * Ticket timers of a report, as promised beside the outage minutes (docs/sla-rules.md §1):
 * first response within 2 h, resolution (report → restoration notice) within 15
 * days. `met` is null while still running within the promise; false once missed,
 * including a timer still running past its due time (flagged while open).
 * The same figures come out of `reconcile` for the month's listed reports; the
 * API uses this for reports listed outside any month.
 */
import { formatInstant } from '@dcprobe/shared';

export const FIRST_RESPONSE_MS = 2 * 3_600_000;
export const RESOLUTION_MS = 15 * 86_400_000;

export interface Timer { due: string; at: string | null; met: boolean | null; missed: boolean }

export function timer(due: number, at: number | undefined, asOf: number, tz: string): Timer {
  const known = at !== undefined && at <= asOf ? at : undefined;
  const met = known !== undefined ? known <= due : asOf > due ? false : null;
  return { due: formatInstant(due, tz), at: known === undefined ? null : formatInstant(known, tz), met, missed: met === false };
}

export function ticketTimers(r: { reportedAt: number; firstResponseAt?: number | undefined; noticeAt?: number | undefined }, asOf: number, tz: string) {
  return {
    firstResponse: timer(r.reportedAt + FIRST_RESPONSE_MS, r.firstResponseAt, asOf, tz),
    resolution: timer(r.reportedAt + RESOLUTION_MS, r.noticeAt, asOf, tz),
  };
}
