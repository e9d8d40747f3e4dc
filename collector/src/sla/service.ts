/**
 * One customer's service for one month: evaluates every known report of that
 * service, then adds up the month's figures (SLA-RULES §4).
 */
import { clip, formatInstant, measure, subtract, union, type Interval } from '@dcprobe/shared';
import { evaluateReport, overlapping, reportFacts, type RuleTerms } from './evaluate.ts';
import { allowance, coverage, isBreached, measureIn, partIn, seconds } from './figures.ts';
import { applyExclusions, isListedIn, reportResult, type EvaluatedReport, type ExclusionWindow } from './report-result.ts';
import { isDown, isNotUp, isUnknown, spansWhere, type ServiceTimeline, type Span } from './timeline.ts';
import type { GapResult, IncidentResult, Report, Service, ServiceResult, Terms } from './types.ts';

export interface ServiceContext {
  service: Service;
  timezone: string;
  terms: Terms;
  month: Interval;
  asOf: number;
  timeline: ServiceTimeline;
  /** Reports of this customer and service received up to asOf. */
  reports: readonly Report[];
  /** Exclusion windows that apply to this customer and service. */
  exclusions: readonly ExclusionWindow[];
}

export function reconcileService(ctx: ServiceContext): ServiceResult {
  const { month, asOf, timeline, terms } = ctx;
  const iso = (ms: number): string => formatInstant(ms, ctx.timezone);
  const downs = spansWhere(timeline, isDown);
  let suspectSpans: Span[] | undefined;
  const suspects = (): Span[] => (suspectSpans ??= spansWhere(timeline, isNotUp));
  const unknowns = spansWhere(timeline, isUnknown);
  const rules: RuleTerms = {
    graceMs: terms.graceMinutes * 60_000,
    deadlineMs: terms.reportDeadlineDays * 86_400_000,
    unverified: terms.unverified,
  };

  // Every report counts towards the union, whichever month it was received in.
  const evaluated: EvaluatedReport[] = ctx.reports.map((rep) => {
    const facts = reportFacts(rep, asOf);
    return applyExclusions(rep, facts, evaluateReport(facts, downs, suspects, rules), ctx.exclusions);
  });

  const countable = clip(union(evaluated.flatMap((e) => e.countable)), month);
  const beforeExclusions = clip(union(evaluated.flatMap((e) => e.evaluation.windows)), month);
  const claims = clip(union(evaluated.map((e) => e.facts.claimed)), month);
  const countableMs = measure(countable);
  const monthMs = month.end - month.start;
  const svcTerms = terms[ctx.service];
  const allowed = allowance(monthMs, svcTerms);
  const breached = isBreached(countableMs, allowed);

  const matchedBy = new Map<number, string[]>();
  for (const e of evaluated) {
    for (const i of e.evaluation.matched) {
      const ids = matchedBy.get(i);
      if (ids) ids.push(e.report.id); else matchedBy.set(i, [e.report.id]);
    }
  }
  const deadlineMs = rules.deadlineMs;
  const incidents: IncidentResult[] = overlapping(downs, month).map((i) => {
    const o = downs[i]!;
    return {
      start: iso(o.start),
      end: o.open ? null : iso(o.end),
      seconds: seconds(partIn(o, month)),
      reportableUntil: iso(o.start + deadlineMs),
      reports: matchedBy.get(i) ?? [],
    };
  });
  const gaps: GapResult[] = overlapping(unknowns, month).map((i) => {
    const g = unknowns[i]!;
    return {
      start: Number.isFinite(g.start) ? iso(g.start) : null,
      end: g.open ? null : iso(g.end),
      seconds: seconds(partIn(g, month)),
    };
  });

  return {
    monthSeconds: seconds(monthMs),
    allowedSeconds: allowed.allowedMs / 1000,
    countableSeconds: seconds(countableMs),
    measuredSeconds: seconds(measureIn(downs, month)),
    claimedSeconds: seconds(measure(claims)),
    disputedSeconds: seconds(measure(subtract(claims, countable))),
    availability: 1 - countableMs / monthMs,
    breached,
    feeWaived: breached,
    coverage: coverage(unknowns, month, asOf),
    reports: evaluated.filter((e) => isListedIn(e, month)).map((e) => reportResult(e, downs, month, asOf, ctx.timezone)),
    // The same objects as in `incidents` (their empty `reports` is an extra field).
    unreported: incidents.filter((x) => x.reports.length === 0),
    monthStart: iso(month.start),
    monthEnd: iso(month.end),
    target: svcTerms.target,
    maxDowntimeMinutes: svcTerms.maxDowntimeMinutes ?? null,
    excludedSeconds: seconds(measure(beforeExclusions) - countableMs),
    incidents,
    gaps,
  };
}
