/**
 * Live reconciliation: the ReconcileInput for one customer and month, built
 * from the store as of `asOf`, and the result of the one `reconcile` on it.
 * `/sla`, `/scenario`, the report page and the SLA metrics all go through here,
 * so the scenario the API exports reconciles offline to the same result.
 */
import { DcprobeError, E, formatInstant, monthBounds } from '@dcprobe/shared';
import type { CustomerConfig } from '../config.ts';
import { reconcile } from '../sla/reconcile.ts';
import { defaultTerms, type Customer, type Observation, type ReconcileInput, type ReconcileResult } from '../sla/types.ts';
import type { CustomerVersion, LedgerStore, MonthPlan, MonthSnapshot } from '../store/types.ts';
import { tenures as tenuresOf, type Tenure } from './customers.ts';
import { toCoreReport } from './reports.ts';
import { filterExclusions, toCoreExclusion } from './exclusions.ts';
import { maskObservations, piecesFor, unionSpec, type Role } from './tenure.ts';

const DAY_MS = 86_400_000;

/**
 * The inverse of toCoreCustomer: a reconciler customer as the config / API
 * spec that describes it (unvalidated; pass it through customerSchema or
 * buildConfig). Tests and the benchmark load scenarios into a store with it.
 */
export function toCustomerSpec(c: Customer): Record<string, unknown> {
  const terms = (t: Customer['terms']['network']) => ({ target: t.target, ...(t.maxDowntimeMinutes !== undefined ? { maxDowntimeMinutes: t.maxDowntimeMinutes } : {}) });
  return {
    id: c.id, timezone: c.timezone,
    ...(c.network ? { network: { ports: c.network.ports, redundancy: c.network.redundancy, uplinks: c.network.uplinks } } : {}),
    ...(c.power ? { power: { feeds: c.power.feeds } } : {}),
    terms: {
      network: terms(c.terms.network), power: terms(c.terms.power),
      reportDeadlineDays: c.terms.reportDeadlineDays, graceMinutes: c.terms.graceMinutes, unverified: c.terms.unverified,
    },
  };
}

export function toCoreCustomer(c: CustomerConfig): Customer {
  const d = defaultTerms();
  return {
    id: c.id,
    timezone: c.timezone,
    ...(c.network ? { network: { ports: [...c.network.ports], redundancy: c.network.redundancy, uplinks: [...c.network.uplinks] } } : {}),
    ...(c.power ? { power: { feeds: [...c.power.feeds] } } : {}),
    terms: {
      network: { target: c.terms.network?.target ?? d.network.target, ...(c.terms.network?.maxDowntimeMinutes !== undefined ? { maxDowntimeMinutes: c.terms.network.maxDowntimeMinutes } : {}) },
      power: { target: c.terms.power?.target ?? d.power.target, ...(c.terms.power?.maxDowntimeMinutes !== undefined ? { maxDowntimeMinutes: c.terms.power.maxDowntimeMinutes } : {}) },
      reportDeadlineDays: c.terms.reportDeadlineDays,
      graceMinutes: c.terms.graceMinutes,
      unverified: c.terms.unverified,
    },
  };
}

/** Says which customer versions the input covers, and when a subject's stream is not its own measurements. */
function titleOf(customer: string, month: string, inWindow: readonly Tenure[]): string {
  const tz = inWindow[inWindow.length - 1]?.version.spec.timezone ?? 'UTC';
  const when = (t: number) => formatInstant(t, tz);
  const versions = inWindow.map((t) => `v${t.version.version} ${t.start === 0 ? 'since ever' : `from ${when(t.start)}`}${Number.isFinite(t.end) ? ` until ${when(t.end)}` : ''}`);
  const note = inWindow.length > 1 || inWindow.some((t) => t.start > 0)
    ? '; outside a version\'s tenure its subjects carry their group\'s neutral state (down/off, or up under redundancy all), before any version unknown'
    : '';
  return `dcprobe live export: customer ${customer}, month ${month}; customer versions: ${versions.join(', ') || 'none in force'}${note}`;
}

/** What the plan worked out from the customer's versions, kept for building the input. */
export interface Planned extends MonthPlan { tenures: Tenure[]; inWindow: Tenure[]; spec: CustomerConfig; roles: [string, Role][] }

/** The window and subjects of one customer-month, from the versions in the snapshot (null: no version). */
export function planMonth(versions: readonly CustomerVersion[], month: string, asOf: number): Planned | null {
  const tenures = tenuresOf(versions);
  if (tenures.length === 0) return null;
  const latest = tenures[tenures.length - 1]!.version.spec; // the last tenure is the latest version
  const { start: monthStart } = monthBounds(month, latest.timezone);
  // Rule 2 looks back `deadline` before a report for outages already over.
  const from = monthStart - (latest.terms.reportDeadlineDays + 1) * DAY_MS - latest.terms.graceMinutes * 60_000;
  const inWindow = tenures.filter((t) => t.end > from && t.start <= asOf);
  const spec = unionSpec((inWindow.length > 0 ? inWindow : tenures.slice(-1)).map((t) => t.version.spec));
  const roles: [string, Role][] = [
    ...(spec.network?.ports ?? []).map((s): [string, Role] => [s, 'port']),
    ...(spec.network?.uplinks ?? []).map((s): [string, Role] => [s, 'uplink']),
    ...(spec.power?.feeds ?? []).map((s): [string, Role] => [s, 'feed']),
  ];
  return { subjects: roles.map(([s]) => s), from, asOf, tenures, inWindow, spec, roles };
}

function holds(spec: CustomerConfig, subject: string): boolean {
  return Boolean(spec.network?.ports.includes(subject) || spec.network?.uplinks?.includes(subject) || spec.power?.feeds.includes(subject));
}

/** Reads one customer-month through the store's snapshot and builds the reconciler's input. */
export class LiveReconciler {
  constructor(private readonly store: LedgerStore) {}

  /** The input `reconcile` gets for this customer and month; 404 for an unknown customer. */
  async input(customerId: string, month: string, asOf: number): Promise<ReconcileInput> {
    let p: Planned | null = null;
    const snap = await this.store.readMonth(customerId, (versions) => (p = planMonth(versions, month, asOf)));
    const planned = p as Planned | null;
    if (!snap || !planned) throw new DcprobeError(E.NOT_FOUND, `unknown customer ${JSON.stringify(customerId)}`);
    return monthInput(customerId, month, asOf, planned, snap);
  }

  async result(customerId: string, month: string, asOf: number): Promise<ReconcileResult> {
    return reconcile(await this.input(customerId, month, asOf));
  }
}

/** The reconciler's input for one customer-month, from its plan and the snapshot read for it. */
export function monthInput(customerId: string, month: string, asOf: number, planned: Planned, snap: MonthSnapshot): ReconcileInput {
  const { tenures, inWindow, spec, roles, from } = planned;
  const redundancy = spec.network?.redundancy ?? 'any';
  const observations: Observation[] = [];
  const seen = new Set<string>();
  for (const [subject, role] of roles) {
    if (seen.has(subject)) continue;
    seen.add(subject);
    observations.push(...maskObservations(subject, piecesFor(subject, role, tenures, redundancy), snap.observations.get(subject) ?? [], from, asOf));
  }
  // A flap counts for the customer only while a version in force held its subject.
  const hiddenFlaps = snap.hiddenFlaps.filter((f) => tenures.some((t) => t.start <= f.at && f.at < t.end && holds(t.version.spec, f.subject)));
  return {
    title: titleOf(customerId, month, inWindow),
    month, asOf, customers: [toCoreCustomer(spec)], observations,
    reports: snap.reports.filter((r) => r.reportedAt <= asOf).map(toCoreReport),
    exclusions: filterExclusions(snap.exclusions, { from }).map(toCoreExclusion),
    ...(hiddenFlaps.length ? { hiddenFlaps } : {}),
  };
}
