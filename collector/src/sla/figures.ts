/**
 * Month figures (docs/sla-rules.md §4): the allowance, the breach test and coverage.
 * Figures are computed in milliseconds and rounded only when rendered.
 */
import { clip, measure, type Interval } from '@dcprobe/shared';
import type { ServiceTerms } from './types.ts';

export const seconds = (ms: number): number => Math.round(ms / 1000);

export interface Allowance {
  /** In ms, to the microsecond, so 0.999 of a month does not end in ...0000023. */
  allowedMs: number;
  /** maxDowntimeMinutes promises "less than", so reaching it already breaches. */
  inclusive: boolean;
}

export function allowance(monthMs: number, terms: ServiceTerms): Allowance {
  if (terms.maxDowntimeMinutes !== undefined) {
    return { allowedMs: terms.maxDowntimeMinutes * 60_000, inclusive: true };
  }
  return { allowedMs: Math.round(monthMs * (1 - terms.target) * 1000) / 1000, inclusive: false };
}

export function isBreached(countableMs: number, a: Allowance): boolean {
  return a.inclusive ? countableMs >= a.allowedMs : countableMs > a.allowedMs;
}

/**
 * Share of the month up to min(monthEnd, asOf) in which the state was known;
 * null when asOf is at or before the month's start (nothing to cover yet).
 */
export function coverage(unknowns: readonly Interval[], month: Interval, asOf: number): number | null {
  if (asOf <= month.start) return null;
  const span = { start: month.start, end: Math.min(month.end, asOf) };
  return 1 - spansPartIn(unknowns, span) / (span.end - span.start);
}

/** Measure of sorted, disjoint spans inside `w`, without building intervals. */
export function spansPartIn(spans: readonly Interval[], w: Interval): number {
  let sum = 0;
  for (const s of spans) {
    if (s.start >= w.end) break;
    if (s.end > w.start) sum += partIn(s, w);
  }
  return sum;
}

/** Length of the part of one interval inside `w` (no allocation: called per outage). */
export function partIn(i: Interval, w: Interval): number {
  return Math.max(0, Math.min(i.end, w.end) - Math.max(i.start, w.start));
}

/** Measure of the part of `list` inside `w`. */
export function measureIn(list: readonly Interval[], w: Interval): number {
  return measure(clip(list, w));
}
