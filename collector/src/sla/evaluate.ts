/**
 * The rules for one report (docs/sla-rules.md §3): a first pass against measured outages,
 * a second against "down or unknown" where the policy counts unverified reports.
 * Spans are sorted and disjoint, so their ends are sorted too and every lookup is
 * a binary search plus a walk over the few spans that can qualify.
 */
import type { Interval } from '@dcprobe/shared';
import type { LazySpans, Span } from './timeline.ts';
import type { Basis, Report, UnverifiedPolicy, Verdict } from './types.ts';

export interface RuleTerms { graceMs: number; deadlineMs: number; unverified: UnverifiedPolicy }

/** A report as the rules see it at asOf. */
export interface ReportFacts {
  r: number;
  /** noticeAt, or asOf while the report is open. */
  n: number;
  open: boolean;
  /** The claimed window, taken as given (it may reach past asOf). */
  claimed: Interval;
  givesClaim: boolean;
}

export function reportFacts(rep: Report, asOf: number): ReportFacts {
  const r = rep.reportedAt;
  // A notice after asOf is not known yet: the report is still open then.
  const notice = rep.noticeAt !== undefined && rep.noticeAt <= asOf ? rep.noticeAt : undefined;
  const open = notice === undefined;
  const n = Math.max(r, open ? asOf : notice);
  const givesClaim = rep.claimedStart !== undefined || rep.claimedEnd !== undefined;
  const start = rep.claimedStart ?? r;
  const end = Math.max(start, rep.claimedEnd ?? n);
  return { r, n, open, claimed: { start, end }, givesClaim };
}

export interface Evaluation {
  verdict: Verdict;
  basis: Basis;
  pass: 1 | 2 | null;
  /** Countable windows before exclusions. */
  windows: Interval[];
  /** Indices into the measured outages this report matches. */
  matched: number[];
}

/** First index whose span ends at or after x (ends are ascending). */
export function firstEndAtLeast(spans: readonly Interval[], x: number): number {
  let lo = 0, hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.end < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Indices of spans overlapping w with positive length. */
export function overlapping(spans: readonly Interval[], w: Interval): number[] {
  const out: number[] = [];
  for (let i = firstEndAtLeast(spans, w.start); i < spans.length && spans[i]!.start < w.end; i++) {
    if (spans[i]!.end > w.start) out.push(i);
  }
  return out;
}

const ascending = (a: number, b: number): number => a - b;

type PassKind = 'ongoing' | 'after' | 'late' | 'none';
interface PassOutcome { kind: PassKind; ruleOne: number[]; candidates: number[]; windows: Interval[] }
const NONE: PassOutcome = { kind: 'none', ruleOne: [], candidates: [], windows: [] };

function runPass(outs: readonly Span[], f: ReportFacts, t: RuleTerms, pass: 1 | 2): PassOutcome {
  const { r, n } = f;
  // Rule 1: an outage under way when reported (or starting within grace after).
  const ruleOne: number[] = [];
  for (let i = firstEndAtLeast(outs, r); i < outs.length && outs[i]!.start <= r + t.graceMs; i++) ruleOne.push(i);
  if (ruleOne.length > 0) return { kind: 'ongoing', ruleOne, candidates: [], windows: [{ start: r, end: n }] };

  // In the second pass a gap proves no outage: only a claimed window can anchor rules 2-3.
  if (pass === 2 && !f.givesClaim) return NONE;
  const candidates: number[] = [];
  if (f.givesClaim) {
    const lo = f.claimed.start - t.graceMs, hi = f.claimed.end + t.graceMs;
    for (let i = firstEndAtLeast(outs, lo); i < outs.length && outs[i]!.end < r && outs[i]!.start < hi; i++) {
      if (outs[i]!.end > lo) candidates.push(i);
    }
  } else {
    for (let i = firstEndAtLeast(outs, r - t.deadlineMs); i < outs.length && outs[i]!.end < r; i++) candidates.push(i);
  }
  if (candidates.length === 0) return NONE;

  const fresh: number[] = [];
  for (const i of candidates) if (outs[i]!.start >= r - t.deadlineMs) fresh.push(i);
  if (fresh.length === 0) return { kind: 'late', ruleOne, candidates, windows: [] };
  const windows: Interval[] = [];
  for (const i of fresh) {
    const o = outs[i]!;
    if (pass === 1) { windows.push({ start: o.start, end: o.end }); continue; }
    const s = Math.max(o.start, f.claimed.start), e = Math.min(o.end, f.claimed.end);
    if (e > s) windows.push({ start: s, end: e });
  }
  return { kind: 'after', ruleOne, candidates, windows };
}

/**
 * Evaluates one report against its service's measured outages (`downs`) and the
 * down-or-unknown spans (`suspects`, asked for only when a second pass runs).
 * Exclusions and the month come later.
 */
export function evaluateReport(
  f: ReportFacts, downs: readonly Span[], suspects: Pick<LazySpans, 'get'>, t: RuleTerms,
): Evaluation {
  const first = runPass(downs, f, t, 1);
  let verdict: Verdict = 'not_confirmed', basis: Basis = null, pass: 1 | 2 | null = null;
  let windows: Interval[] = [];
  if (first.kind !== 'none') {
    pass = 1;
    verdict = first.kind === 'late' ? 'late' : 'confirmed';
    basis = first.kind === 'ongoing' ? 'contract' : first.kind === 'after' ? 'measured' : null;
    windows = first.windows;
  } else if (t.unverified === 'count') {
    const second = runPass(suspects.get(), f, t, 2);
    if (second.kind !== 'none') {
      pass = 2;
      verdict = second.kind === 'late' ? 'late' : 'unverified';
      basis = second.kind === 'ongoing' ? 'contract' : second.kind === 'after' ? 'measured' : null;
      windows = second.windows;
    }
  }
  const matched = new Set<number>(first.ruleOne);
  for (const i of first.candidates) matched.add(i);
  for (const w of windows) for (const i of overlapping(downs, w)) matched.add(i);
  return { verdict, basis, pass, windows, matched: Array.from(matched).sort(ascending) };
}
