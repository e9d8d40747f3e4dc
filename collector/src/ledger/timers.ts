/**
 * Ticket timers of a report, as promised beside the outage minutes (docs/sla-rules.md §1):
 * first response within 2 h, written report within 4 h, resolution (report →
 * restoration notice) within 15 days; and of an authorised operation, first
 * feedback within 30 min. `met` is null while still running within the
 * promise; false once missed, including a timer still running past its due
 * time (flagged while open). The due times come from timers/contract.ts, the
 * one table of the contract's promises.
 */
import { formatInstant } from '@dcprobe/shared';
import { dueAt } from '../timers/contract.ts';

export interface Timer { due: string; at: string | null; met: boolean | null; missed: boolean }

export function timer(due: number, at: number | undefined, asOf: number, tz: string): Timer {
  const known = at !== undefined && at <= asOf ? at : undefined;
  const met = known !== undefined ? known <= due : asOf > due ? false : null;
  return { due: formatInstant(due, tz), at: known === undefined ? null : formatInstant(known, tz), met, missed: met === false };
}

export interface TimedReport {
  reportedAt: number; firstResponseAt?: number | undefined; writtenReportAt?: number | undefined; noticeAt?: number | undefined;
}

export function ticketTimers(r: TimedReport, asOf: number, tz: string) {
  return {
    firstResponse: timer(dueAt('firstResponse', r.reportedAt), r.firstResponseAt, asOf, tz),
    writtenReport: timer(dueAt('writtenReport', r.reportedAt), r.writtenReportAt, asOf, tz),
    resolution: timer(dueAt('resolution', r.reportedAt), r.noticeAt, asOf, tz),
  };
}

export function operationTimer(o: { authorisedAt: number; firstFeedbackAt?: number | undefined }, asOf: number, tz: string) {
  return { firstFeedback: timer(dueAt('firstFeedback', o.authorisedAt), o.firstFeedbackAt, asOf, tz) };
}
