/**
 * The whole month of every customer from a store, reconciled batch by batch
 * as the store hands the batches over (Store.readMonths: one snapshot; on
 * PostgreSQL the next batch is read while this one is reconciled).
 *
 * Each customer is planned as the collector plans one customer-month (its
 * latest version's subjects, from the month's start in its zone less the
 * report deadline and grace, to asOf). The customers of a batch with the same
 * window are reconciled together: their subjects' observations are then the
 * same rows, so each customer's input is exactly its own snapshot.
 */
import { monthBounds } from '@dcprobe/shared';
import { toCoreCustomer } from '../../collector/src/ledger/live.ts';
import { toCoreReport } from '../../collector/src/ledger/reports.ts';
import { filterExclusions, toCoreExclusion } from '../../collector/src/ledger/exclusions.ts';
import { reconcile, subjectsOf } from '../../collector/src/sla/reconcile.ts';
import type { CustomerResult, HiddenFlap, Observation } from '../../collector/src/sla/types.ts';
import type { CustomerMonth, CustomerVersion, ExclusionVersion, MonthPlan, Store } from '../../collector/src/store/types.ts';

const DAY_MS = 86_400_000;

export interface MonthRun {
  customers: CustomerResult[];
  /** Wall time, and the parts of it spent reconciling and waiting for the store (the first batch's wait apart). */
  wallS: number; reconcileS: number; waitS: number; firstBatchS: number;
  batches: number; observations: number;
}

function planOf(versions: readonly CustomerVersion[], month: string, asOf: number, starts: Map<string, number>): MonthPlan | null {
  const spec = versions[versions.length - 1]?.spec;
  if (!spec) return null;
  // A handful of zones for 10,000 customers: the month's start once per zone.
  let start = starts.get(spec.timezone);
  if (start === undefined) { start = monthBounds(month, spec.timezone).start; starts.set(spec.timezone, start); }
  const from = start - (spec.terms.reportDeadlineDays + 1) * DAY_MS - spec.terms.graceMinutes * 60_000;
  return { subjects: subjectsOf(toCoreCustomer(spec)), from, asOf };
}

/** One reconcile for customers sharing a window: their shared subjects' rows are identical. */
function reconcileGroup(group: readonly CustomerMonth[], month: string, asOf: number): { customers: CustomerResult[]; observations: number } {
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
  const r = reconcile({
    title: `month ${month}, a batch of customers`, month, asOf,
    customers: group.map((m) => toCoreCustomer(m.snapshot.versions[m.snapshot.versions.length - 1]!.spec)),
    observations,
    reports: group.flatMap((m) => m.snapshot.reports).filter((r) => r.reportedAt <= asOf).map(toCoreReport),
    exclusions: filterExclusions([...exclusions.values()], {}).map(toCoreExclusion),
    ...(hiddenFlaps.length ? { hiddenFlaps } : {}),
  });
  return { customers: r.customers, observations: observations.length };
}

export async function monthFromStore(store: Store, month: string, asOf: number, batchSize?: number): Promise<MonthRun> {
  const plans = new Map<string, MonthPlan>();
  const starts = new Map<string, number>();
  const customers: CustomerResult[] = [];
  let reconcileMs = 0, waitMs = 0, firstMs = 0, batches = 0, observations = 0;
  const t0 = performance.now();
  let last = t0;
  await store.readMonths((versions) => {
    const p = planOf(versions, month, asOf, starts);
    if (p) plans.set(versions[0]!.customer, p);
    return p;
  }, (batch) => {
    const t1 = performance.now();
    if (batches++ === 0) firstMs = t1 - last; else waitMs += t1 - last;
    const groups = new Map<string, CustomerMonth[]>();
    for (const m of batch) {
      const p = plans.get(m.customer)!;
      const k = `${p.from}/${p.asOf}`;
      const g = groups.get(k);
      if (g) g.push(m); else groups.set(k, [m]);
    }
    for (const g of groups.values()) {
      const r = reconcileGroup(g, month, asOf);
      customers.push(...r.customers);
      observations += r.observations;
    }
    last = performance.now();
    reconcileMs += last - t1;
  }, batchSize);
  const wallMs = performance.now() - t0;
  return { customers, wallS: wallMs / 1000, reconcileS: reconcileMs / 1000, waitS: (wallMs - reconcileMs - firstMs) / 1000, firstBatchS: firstMs / 1000, batches, observations };
}
