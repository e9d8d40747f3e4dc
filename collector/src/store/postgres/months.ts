/**
 * Every customer's month from ONE snapshot (LedgerStore.readMonths): one
 * REPEATABLE READ, READ ONLY transaction reads the versions, reports and
 * exclusions of everyone once, then the observations and hidden flaps batch
 * by batch. The next batch's statements are queued before the caller's `each`
 * runs, so PostgreSQL scans and sends batch k+1 while the caller works on
 * batch k: the whole month costs about the larger of the two, not their sum.
 */
import type pg from 'pg';
import type { HiddenFlap, Observation } from '../../sla/types.ts';
import { MONTHS_BATCH, type CustomerMonth, type CustomerVersion, type ExclusionVersion, type MonthPlan, type ReportVersion } from '../types.ts';
import type { LedgerTables } from './ledger.ts';
import { inTransaction } from './tx.ts';

// Per subject, the widest window any customer of the batch planned: each customer's own is cut from it (window()).
const BETWEEN = `SELECT o.subject, o.state, o.at FROM unnest($1::text[], $2::int8[], $3::int8[]) s(subject, "from", "asOf")
  JOIN observations o ON o.subject = s.subject AND o.at > s."from" AND o.at <= s."asOf" ORDER BY o.subject, o.at, o.id`;
const BEFORE = `SELECT s.subject, o.state, o.at FROM unnest($1::text[], $2::int8[]) s(subject, "from")
  CROSS JOIN LATERAL (SELECT state, at FROM observations WHERE subject = s.subject AND at <= s."from" ORDER BY at DESC, id DESC LIMIT 1) o`;
const FLAPS = `SELECT f.subject, f.since, f.at FROM unnest($1::text[], $2::int8[], $3::int8[]) s(subject, "from", "asOf")
  JOIN hidden_flaps f ON f.subject = s.subject AND f.at > s."from" AND f.at <= s."asOf" ORDER BY f.subject, f.at, f.id`;

interface Planned { customer: string; versions: CustomerVersion[]; plan: MonthPlan; subjects: string[] }

export function monthsReader(pool: pg.Pool, ledger: LedgerTables) {
  return (plan: (v: readonly CustomerVersion[]) => MonthPlan | null, each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize = MONTHS_BATCH): Promise<void> =>
    inTransaction(pool, 'months of every customer', async (c) => {
      const [versions, reports, exclusions] = await Promise.all([ledger.customerVersions(c), ledger.latestReports(undefined, c), ledger.latestExclusions(undefined, c)]);
      const planned: Planned[] = [];
      // By id in JavaScript's order, whatever the database's collation.
      for (const [customer, vs] of [...byKey(versions, (v) => v.customer)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const p = plan(vs);
        if (p) planned.push({ customer, versions: vs, plan: p, subjects: [...new Set(p.subjects)] });
      }
      const reportsOf = byKey(reports, (r) => r.customer);
      const batches: Planned[][] = [];
      for (let i = 0; i < planned.length; i += Math.max(1, batchSize)) batches.push(planned.slice(i, i + Math.max(1, batchSize)));
      let next = batches.length ? queue(c, batches[0]!) : null;
      try {
        for (let i = 0; next; i++) {
          const done = await next;
          // Queued before `each` runs: the server works on it meanwhile.
          next = i + 1 < batches.length ? queue(c, batches[i + 1]!) : null;
          await each(done.map((b) => monthOf(b, reportsOf.get(b.planned.customer) ?? [], exclusions)));
        }
      } finally {
        // `each` failed with a batch in flight: its failure is the one to report.
        next?.catch(() => {});
      }
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
}

/** One batch's subjects with their widest window. */
function windows(batch: readonly Planned[]): { subjects: string[]; from: number[]; asOf: number[] } {
  const w = new Map<string, { from: number; asOf: number }>();
  for (const { plan, subjects } of batch) {
    for (const s of subjects) {
      const cur = w.get(s);
      if (!cur) w.set(s, { from: plan.from, asOf: plan.asOf });
      else { cur.from = Math.min(cur.from, plan.from); cur.asOf = Math.max(cur.asOf, plan.asOf); }
    }
  }
  return { subjects: [...w.keys()], from: [...w.values()].map((x) => x.from), asOf: [...w.values()].map((x) => x.asOf) };
}

/**
 * Queues the batch's statements on the connection at once, the big one first
 * (it is what overlaps the caller), and resolves to the batch's rows.
 */
async function queue(c: pg.PoolClient, batch: Planned[]): Promise<BatchRows[]> {
  const w = windows(batch);
  const [between, before, flaps] = await Promise.all([
    c.query<Observation>(BETWEEN, [w.subjects, w.from, w.asOf]),
    c.query<Observation>(BEFORE, [w.subjects, w.from]),
    c.query<HiddenFlap>(FLAPS, [w.subjects, w.from, w.asOf]),
  ]);
  const rows: Rows = { before: new Map(), between: byKey(between.rows, (o) => o.subject), flaps: byKey(flaps.rows, (f) => f.subject), cut: new Map() };
  for (const o of before.rows) rows.before.set(o.subject, o);
  return batch.map((planned) => ({ planned, rows }));
}

interface Rows { before: Map<string, Observation>; between: Map<string, Observation[]>; flaps: Map<string, HiddenFlap[]>; cut: Map<string, Observation[]> }
interface BatchRows { planned: Planned; rows: Rows }

/** A customer's snapshot cut from its batch's rows: exactly its own window, as readMonth reads it. */
function monthOf(b: BatchRows, reports: ReportVersion[], all: readonly ExclusionVersion[]): CustomerMonth {
  const { planned: { customer, versions, plan, subjects }, rows } = b;
  const observations = new Map<string, Observation[]>();
  const hiddenFlaps: HiddenFlap[] = [];
  for (const s of subjects) {
    // Customers of one window (one zone, one set of terms) share the very rows.
    const k = `${s}\u0000${plan.from}\u0000${plan.asOf}`;
    const cut = rows.cut.get(k);
    if (cut) { observations.set(s, cut); continue; }
    const wide = rows.between.get(s) ?? [];
    // The widest window started at or before this one: the state at this window's start is the last row at or before `from`.
    let i = 0;
    while (i < wide.length && wide[i]!.at <= plan.from) i++;
    let j = wide.length;
    while (j > i && wide[j - 1]!.at > plan.asOf) j--;
    const start = i > 0 ? wide[i - 1] : rows.before.get(s);
    const own = i === 0 && j === wide.length && !start ? wide : [...(start ? [start] : []), ...wide.slice(i, j)];
    rows.cut.set(k, own);
    observations.set(s, own);
  }
  // By subject then end, as readMonth orders them.
  for (const s of [...subjects].sort()) {
    for (const f of rows.flaps.get(s) ?? []) if (f.at > plan.from && f.at <= plan.asOf) hiddenFlaps.push(f);
  }
  return {
    customer,
    snapshot: { versions, observations, hiddenFlaps, reports, exclusions: all.filter((x) => x.customer === undefined || x.customer === customer) },
  };
}

function byKey<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    const l = m.get(k);
    if (l) l.push(t); else m.set(k, [t]);
  }
  return m;
}
