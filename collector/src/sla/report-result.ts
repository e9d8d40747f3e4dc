/**
 * One report's month part (SLA-RULES §4) and what a report page shows beside it:
 * its countable windows, the outages it matched, the exclusions that cut it and
 * the ticket timers (first response 2 h, resolution 15 days).
 */
import { clip, formatInstant, overlaps, subtract, type Interval } from '@dcprobe/shared';
import type { Evaluation, ReportFacts } from './evaluate.ts';
import { overlapping } from './evaluate.ts';
import { measureIn, seconds } from './figures.ts';
import type { Span } from './timeline.ts';
import type { IsoInterval, Report, ReportResult, TimerResult } from './types.ts';

const FIRST_RESPONSE_MS = 2 * 3_600_000;
const RESOLUTION_MS = 15 * 86_400_000;

export interface ExclusionWindow extends Interval { id: string }

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
  const hits = exclusions.filter((x) => evaluation.windows.some((w) => overlaps(w, x)));
  const countable = hits.length === 0 ? evaluation.windows : subtract(evaluation.windows, hits);
  return { report, facts, evaluation, countable, excludedBy: hits.map((x) => x.id) };
}

/** Listed in a month when received in it or when its claimed or countable window reaches into it. */
export function isListedIn(e: EvaluatedReport, month: Interval): boolean {
  const r = e.facts.r;
  return (r >= month.start && r < month.end)
    || overlaps(e.facts.claimed, month)
    || e.evaluation.windows.some((w) => overlaps(w, month));
}

export function reportResult(
  e: EvaluatedReport, downs: readonly Span[], month: Interval, asOf: number, tz: string,
): ReportResult {
  const { facts, evaluation, report } = e;
  const iso = (ms: number): string => formatInstant(ms, tz);
  const isoI = (i: Interval): IsoInterval => ({ start: iso(i.start), end: iso(i.end) });
  const countableMs = measureIn(e.countable, month);
  const beforeMs = measureIn(evaluation.windows, month);
  const inClaim = clip(overlapping(downs, facts.claimed).map((i) => downs[i]!), facts.claimed);
  const timer = (due: number, at: number | undefined): TimerResult => {
    const known = at !== undefined && at <= asOf ? at : undefined;
    return {
      due: iso(due),
      at: known === undefined ? null : iso(known),
      met: known !== undefined ? known <= due : asOf > due ? false : null,
    };
  };
  return {
    id: report.id,
    verdict: evaluation.verdict,
    basis: evaluation.basis,
    countableSeconds: seconds(countableMs),
    excludedSeconds: seconds(beforeMs - countableMs),
    claimedSeconds: seconds(measureIn([facts.claimed], month)),
    measuredSeconds: seconds(measureIn(inClaim, month)),
    open: facts.open,
    reportedAt: iso(facts.r),
    noticeAt: facts.open ? null : iso(facts.n),
    claimedStart: iso(facts.claimed.start),
    claimedEnd: iso(facts.claimed.end),
    pass: evaluation.pass,
    windows: evaluation.windows.map(isoI),
    matchedOutages: evaluation.matched.map((i) => downs[i]!)
      .map((o) => ({ start: iso(o.start), end: o.open ? null : iso(o.end) })),
    exclusions: e.excludedBy,
    timers: {
      firstResponse: timer(facts.r + FIRST_RESPONSE_MS, report.firstResponseAt),
      resolution: timer(facts.r + RESOLUTION_MS, facts.open ? undefined : facts.n),
    },
  };
}
