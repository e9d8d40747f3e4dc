/**
 * One report's month part (docs/sla-rules.md §4) and what a report page shows beside it:
 * its countable windows, the outages it matched, the exclusions that cut it and
 * the ticket timers (first response 2 h, resolution 15 days).
 */
import { formatInstant, overlaps, subtract, type Interval } from '@dcprobe/shared';
import type { Evaluation, ReportFacts } from './evaluate.ts';
import { measureIn, partIn, seconds, spansPartIn } from './figures.ts';
import type { Span } from './timeline.ts';
import type { Exclusion, IsoInterval, Report, ReportFigures, ReportResult, TimerResult } from './types.ts';

const FIRST_RESPONSE_MS = 2 * 3_600_000;
const RESOLUTION_MS = 15 * 86_400_000;

/** An exclusion that applies to the service being reconciled. */
export type ExclusionWindow = Pick<Exclusion, 'id' | 'start' | 'end' | 'category' | 'ref'>;

/** A report after the rules and the exclusions, before any month is chosen. */
export interface EvaluatedReport {
  report: Report;
  facts: ReportFacts;
  evaluation: Evaluation;
  /** Countable windows after exclusions. */
  countable: Interval[];
  /** Ids of exclusions that removed time from the countable windows. */
  excludedBy: string[];
}

export function applyExclusions(
  report: Report, facts: ReportFacts, evaluation: Evaluation, exclusions: readonly ExclusionWindow[],
): EvaluatedReport {
  const hits: ExclusionWindow[] = [];
  for (const x of exclusions) if (anyOverlaps(evaluation.windows, x)) hits.push(x);
  if (hits.length === 0) return { report, facts, evaluation, countable: evaluation.windows, excludedBy: [] };
  return { report, facts, evaluation, countable: subtract(evaluation.windows, hits), excludedBy: hits.map(idOf) };
}

const idOf = (x: ExclusionWindow): string => x.id;

function anyOverlaps(list: readonly Interval[], w: Interval): boolean {
  for (const i of list) if (overlaps(i, w)) return true;
  return false;
}

/** Listed in a month when received in it or when its claimed or countable window reaches into it. */
export function isListedIn(e: EvaluatedReport, month: Interval): boolean {
  const r = e.facts.r;
  return (r >= month.start && r < month.end)
    || overlaps(e.facts.claimed, month)
    || anyOverlaps(e.evaluation.windows, month);
}

/** The report's figures in the month (the first fields of its ReportResult, in the same order). */
export function reportFigures(e: EvaluatedReport, downs: readonly Span[], month: Interval, tz: string): ReportFigures {
  const { facts, evaluation, report } = e;
  const countableMs = measureIn(e.countable, month);
  const beforeMs = measureIn(evaluation.windows, month);
  const claimInMonth = { start: Math.max(facts.claimed.start, month.start), end: Math.min(facts.claimed.end, month.end) };
  return {
    id: report.id,
    verdict: evaluation.verdict,
    basis: evaluation.basis,
    countableSeconds: seconds(countableMs),
    excludedSeconds: seconds(beforeMs - countableMs),
    claimedSeconds: seconds(partIn(facts.claimed, month)),
    // Measured outage inside the claimed window (and the month); outages are disjoint.
    measuredSeconds: claimInMonth.end > claimInMonth.start ? seconds(spansPartIn(downs, claimInMonth)) : 0,
    open: facts.open,
    reportedAt: formatInstant(facts.r, tz),
    noticeAt: facts.open ? null : formatInstant(facts.n, tz),
  };
}

export function reportResult(
  e: EvaluatedReport, downs: readonly Span[], month: Interval, asOf: number, tz: string,
): ReportResult {
  const { facts, evaluation, report } = e;
  const windows: IsoInterval[] = [];
  for (const w of evaluation.windows) windows.push({ start: formatInstant(w.start, tz), end: formatInstant(w.end, tz) });
  const matchedOutages: ReportResult['matchedOutages'] = [];
  for (const i of evaluation.matched) {
    const o = downs[i]!;
    matchedOutages.push({ start: formatInstant(o.start, tz), end: o.open ? null : formatInstant(o.end, tz) });
  }
  return {
    ...reportFigures(e, downs, month, tz),
    claimedStart: formatInstant(facts.claimed.start, tz),
    claimedEnd: formatInstant(facts.claimed.end, tz),
    pass: evaluation.pass,
    windows,
    matchedOutages,
    exclusions: e.excludedBy,
    timers: {
      firstResponse: timer(facts.r + FIRST_RESPONSE_MS, report.firstResponseAt, asOf, tz),
      resolution: timer(facts.r + RESOLUTION_MS, facts.open ? undefined : facts.n, asOf, tz),
    },
  };
}

/** met: true/false once decided (done in time, done late, or due passed undone); null while pending. */
function timer(due: number, at: number | undefined, asOf: number, tz: string): TimerResult {
  const known = at !== undefined && at <= asOf ? at : undefined;
  return {
    due: formatInstant(due, tz),
    at: known === undefined ? null : formatInstant(known, tz),
    met: known !== undefined ? known <= due : asOf > due ? false : null,
  };
}
