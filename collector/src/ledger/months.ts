/**
 * Every customer's month in figures, at once: what a month's end needs for
 * all customers (whose fee is waived, who is near the target), each
 * customer's figures those of the result LiveReconciler gives it
 * (reconcileFigures: the same numbers, without the lists of instants).
 *
 * The months come through Store.readMonths: one snapshot, in batches, and on
 * PostgreSQL the next batch is read while this one is reconciled. Customers
 * planned as LiveReconciler plans them, whose one version was in force over
 * the whole window and whose window is the same, are reconciled together in
 * one reconcile(): their subjects' rows are then the very same, so each gets
 * exactly its own input, and the work on subjects they share (customers behind
 * one switch or UPS) is done once. A customer whose version changed within the
 * window goes alone, through the live path's own input (monthInput).
 */
import { reconcileFigures } from '../sla/reconcile.ts';
import type { CustomerFigures, HiddenFlap, Observation } from '../sla/types.ts';
import type { CustomerMonth, CustomerVersion, ExclusionVersion, LedgerStore } from '../store/types.ts';
import { filterExclusions, toCoreExclusion } from './exclusions.ts';
import { monthInput, planMonth, toCoreCustomer, type Planned } from './live.ts';
import { toCoreReport } from './reports.ts';

export interface MonthsFigures {
  month: string;
  /** By customer id. */
  customers: CustomerFigures[];
}

/** Every customer's figures for `month` as known at `asOf`, read in batches of `batchSize` customers. */
export async function monthFigures(
  store: Pick<LedgerStore, 'readMonths'>, month: string, asOf: number, batchSize?: number,
): Promise<MonthsFigures> {
  const plans = new Map<string, Planned>();
  const customers: CustomerFigures[] = [];
  await store.readMonths((versions: readonly CustomerVersion[]) => {
    const p = planMonth(versions, month, asOf);
    if (p) plans.set(versions[0]!.customer, p);
    return p;
  }, (batch: CustomerMonth[]) => {
    const groups = new Map<string, CustomerMonth[]>();
    for (const m of batch) {
      const p = plans.get(m.customer)!;
      if (!wholeWindow(p)) {
        const input = monthInput(m.customer, month, asOf, p, m.snapshot);
        customers.push(...reconcileFigures(input).customers);
        continue;
      }
      const k = `${p.from}/${p.asOf}`;
      const g = groups.get(k);
      if (g) g.push(m); else groups.set(k, [m]);
    }
    for (const g of groups.values()) reconcileGroup(g, plans, month, asOf, customers);
  }, batchSize);
  customers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { month, customers };
}

/** One version in force over the whole window: its input is its snapshot as read (no tenure to mask). */
const wholeWindow = (p: Planned): boolean => p.inWindow.length === 1 && p.inWindow[0]!.start <= p.from;

/** One reconcile for customers sharing a window, their figures added to `out`. */
function reconcileGroup(group: readonly CustomerMonth[], plans: ReadonlyMap<string, Planned>, month: string, asOf: number, out: CustomerFigures[]): void {
  const observations: Observation[] = [];
  const hiddenFlaps: HiddenFlap[] = [];
  const subjects = new Set<string>();
  const exclusions = new Map<string, ExclusionVersion>();
  for (const { snapshot } of group) {
    for (const [s, rows] of snapshot.observations) {
      if (subjects.has(s)) continue;
      subjects.add(s);
      for (const o of rows) observations.push(o);
      for (const f of snapshot.hiddenFlaps) if (f.subject === s) hiddenFlaps.push(f);
    }
    for (const x of snapshot.exclusions) exclusions.set(x.id, x);
  }
  const from = plans.get(group[0]!.customer)!.from;
  const r = reconcileFigures({
    title: `month ${month}, a batch of customers`, month, asOf,
    customers: group.map((m) => toCoreCustomer(plans.get(m.customer)!.spec)),
    observations,
    reports: group.flatMap((m) => m.snapshot.reports).filter((x) => x.reportedAt <= asOf).map(toCoreReport),
    // Exclusions are per customer in reconcile: one that names a customer reaches no other.
    exclusions: filterExclusions([...exclusions.values()], { from }).map(toCoreExclusion),
    ...(hiddenFlaps.length ? { hiddenFlaps } : {}),
  });
  for (const c of r.customers) out.push(c);
}
