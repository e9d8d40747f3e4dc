/**
 * The restoration-notice draft: for a customer's open report, decide from the
 * measured state of the service's subjects whether the service has been back
 * up for the settling time, and if so draft the notice with its evidence:
 * the measured outages the report is about, when the service came back, and
 * what each port, uplink or feed did meanwhile.
 *
 * Pure: observations, report, customer, settling time and asOf in; a decision
 * out. The service state is the reconciliation core's (three-valued, with the
 * redundancy rule and uplinks), and the outages a report is about are those the
 * core's rules match, plus any that began while it was open. "Back up" means
 * `up` without a break: an unknown stretch restarts the settling time, since an
 * unmeasured minute proves nothing.
 */
import { DcprobeError, E, overlaps, type Interval, type State } from '@dcprobe/shared';
import { evaluateReport, reportFacts } from '../sla/evaluate.ts';
import { groupsOf } from '../sla/reconcile.ts';
import {
  F, indexObservations, isDown, isUnknown, LazySpans, NETWORK_TRUTH, POWER_TRUTH, serviceTimeline, spansWhere, T, timelineOf,
  type Span, type SubjectTimeline, type Truth,
} from '../sla/timeline.ts';
import type { Customer, Observation, Report, Service } from '../sla/types.ts';

export interface NoticeInput {
  /** The open report (no noticeAt yet). */
  report: Report;
  customer: Customer;
  /** Changes of the service's subjects, including each one's last change before the report. */
  observations: readonly Observation[];
  settlingMs: number;
  asOf: number;
}

export type SubjectRole = 'port' | 'uplink' | 'feed';

export interface SubjectEvidence {
  subject: string;
  role: SubjectRole;
  /**
   * Its own stretches without service that reach into the evidence window (from
   * the first outage to the restoration), whole: down (port down, feed off) or
   * unknown. start null: unknown since before its first observation; end null:
   * still going on at asOf.
   */
  notUp: { start: number | null; end: number | null; state: 'down' | 'unknown' }[];
  /** Its last measured state at the instant the service came back; unknown if never measured. */
  stateAtRestoration: State;
}

export interface NoticeDraft {
  report: string;
  customer: string;
  service: Service;
  reportedAt: number;
  /** Measured outages (service state down) the report is about, oldest first; empty if none was measured. */
  outages: Interval[];
  /** Start of the unbroken `up` stretch that is still going on at asOf. */
  restoredAt: number;
  /** When the service had been up for the settling time (not before the report was received). */
  settledAt: number;
  subjects: SubjectEvidence[];
  draftedAt: number;
}

export type NoticeDecision =
  | { state: 'ready'; draft: NoticeDraft }
  | { state: 'settling'; upSince: number; readyAt: number }
  | { state: 'down'; since: number }
  /** since null: never measured. */
  | { state: 'unknown'; since: number | null };

export function draftNotice(input: NoticeInput): NoticeDecision {
  const { report, customer, asOf, settlingMs } = input;
  if (report.noticeAt !== undefined && report.noticeAt <= asOf) {
    throw new DcprobeError(E.VALIDATION, `report ${report.id} already has its restoration notice`);
  }
  if (report.reportedAt > asOf) throw new DcprobeError(E.VALIDATION, `report ${report.id} was received after asOf`);
  const roles = subjectRoles(customer, report.service);
  const index = indexObservations(input.observations, new Set(roles.keys()), asOf);
  const groups = groupsOf(customer, report.service, index, new Map());
  if (!groups) throw new DcprobeError(E.VALIDATION, `customer ${customer.id} has no ${report.service} service`);
  const timeline = serviceTimeline(groups, asOf);

  const last = timeline.starts.length - 1;
  const now = timeline.vals[last]!, since = timeline.starts[last]!;
  if (now === F) return { state: 'down', since };
  if (now !== T) return { state: 'unknown', since: Number.isFinite(since) ? since : null };
  const settledAt = Math.max(since + settlingMs, report.reportedAt);
  if (settledAt > asOf) return { state: 'settling', upSince: since, readyAt: settledAt };

  const downs = spansWhere(timeline, isDown);
  const t = customer.terms;
  const rules = { graceMs: t.graceMinutes * 60_000, deadlineMs: t.reportDeadlineDays * 86_400_000, unverified: t.unverified };
  const about = new Set(evaluateReport(reportFacts(report, asOf), downs, new LazySpans(timeline), rules).matched);
  downs.forEach((o, i) => { if (overlaps(o, { start: report.reportedAt, end: since })) about.add(i); });
  const outages = [...about].sort((a, b) => a - b).map((i) => ({ start: downs[i]!.start, end: downs[i]!.end }));

  // What each subject did from the first outage (or the claimed start, or receipt) until the service came back.
  const from = Math.min(outages[0]?.start ?? Infinity, report.claimedStart ?? Infinity, report.reportedAt);
  const window = { start: from, end: since };
  const subjects: SubjectEvidence[] = [];
  for (const [subject, role] of roles) {
    const tl = timelineOf(index, subject);
    subjects.push({ subject, role, notUp: notUpIn(tl, role === 'feed' ? POWER_TRUTH : NETWORK_TRUTH, window, asOf), stateAtRestoration: stateAt(input.observations, subject, since) });
  }
  return {
    state: 'ready',
    draft: {
      report: report.id, customer: customer.id, service: report.service, reportedAt: report.reportedAt,
      outages, restoredAt: since, settledAt, subjects, draftedAt: asOf,
    },
  };
}

/** The service's subjects in the order the customer lists them, each with its role. */
function subjectRoles(c: Customer, service: Service): Map<string, SubjectRole> {
  const roles = new Map<string, SubjectRole>();
  if (service === 'network') {
    for (const s of c.network?.ports ?? []) roles.set(s, 'port');
    for (const s of c.network?.uplinks ?? []) if (!roles.has(s)) roles.set(s, 'uplink');
  } else {
    for (const s of c.power?.feeds ?? []) roles.set(s, 'feed');
  }
  return roles;
}

/** One subject's stretches without service reaching into `w`, as the core's one-member group sees them. */
function notUpIn(tl: SubjectTimeline, truth: readonly Truth[], w: Interval, asOf: number): SubjectEvidence['notUp'] {
  if (!(w.end > w.start)) return [];
  const own = serviceTimeline([{ op: 'or', members: [tl], truth }], asOf);
  const found: (Span & { state: 'down' | 'unknown' })[] = [];
  for (const state of ['down', 'unknown'] as const) {
    for (const s of spansWhere(own, state === 'down' ? isDown : isUnknown)) if (overlaps(s, w)) found.push({ ...s, state });
  }
  found.sort((a, b) => a.start - b.start);
  return found.map((s) => ({ start: Number.isFinite(s.start) ? s.start : null, end: s.open ? null : s.end, state: s.state }));
}

/** The subject's state at instant `at`: its last change at or before it (the later one given wins a tie). */
function stateAt(observations: readonly Observation[], subject: string, at: number): State {
  let best: Observation | undefined;
  for (const o of observations) if (o.subject === subject && o.at <= at && (!best || o.at >= best.at)) best = o;
  return best?.state ?? 'unknown';
}
