/**
 * Every customer's month from ONE snapshot (LedgerStore.readMonths): one
 * REPEATABLE READ, READ ONLY transaction reads the versions of everyone once
 * (and a second one in its exported snapshot the reports and exclusions,
 * meanwhile), then the observations and hidden flaps batch by batch. The next batch's statement is sent before the caller's `each`
 * runs, so PostgreSQL scans and sends batch k+1 while the caller works on
 * batch k: the whole month costs about the larger of the two, not their sum.
 */
import type pg from 'pg';
import type { State } from '@dcprobe/shared';
import type { HiddenFlap, Observation } from '../../sla/types.ts';
import { MONTHS_BATCH, type CustomerMonth, type CustomerVersion, type ExclusionVersion, type MonthPlan, type ReportVersion } from '../types.ts';
import { safeNumber } from './connect.ts';
import type { LedgerTables } from './ledger.ts';
import { inTransaction, READ_SNAPSHOT } from './tx.ts';

/**
 * A batch in one statement, one row per subject over the widest window any
 * customer of the batch planned for it (each customer's own is cut from it,
 * monthOf): its last observation at or before the window, and its changes and
 * hidden flaps in it as comma-joined text, in order (null: none). A row per subject rather
 * than per change: the subject's name once, and two splits to decode instead
 * of a million rows (states hold no comma: the vocabulary is fixed). The
 * changes come as ARRAY(subquery ORDER BY …), whose order is the subquery's:
 * PostgreSQL 15 sorts the input of an ordered aggregate (string_agg … ORDER
 * BY) even when the index already gives that order, and those sorts were half
 * of its time reading a month.
 */
const BATCH = `SELECT s.subject, b.state "beforeState", b.at "beforeAt", w.states, w.ats, f.since "flapSince", f.at "flapAt"
  FROM unnest($1::text[], $2::int8[], $3::int8[]) s(subject, "from", "asOf")
  LEFT JOIN LATERAL (SELECT state, at FROM observations WHERE subject = s.subject AND at <= s."from" ORDER BY at DESC, id DESC LIMIT 1) b ON true
  CROSS JOIN LATERAL (SELECT
    nullif(array_to_string(ARRAY(SELECT state FROM observations WHERE subject = s.subject AND at > s."from" AND at <= s."asOf" ORDER BY at, id), ','), '') states,
    nullif(array_to_string(ARRAY(SELECT at FROM observations WHERE subject = s.subject AND at > s."from" AND at <= s."asOf" ORDER BY at, id), ','), '') ats) w
  CROSS JOIN LATERAL (SELECT string_agg(since::text, ',' ORDER BY at, id) since, string_agg(at::text, ',' ORDER BY at, id) at
    FROM hidden_flaps WHERE subject = s.subject AND at > s."from" AND at <= s."asOf") f`;

interface BatchRow {
  subject: string; beforeState: State | null; beforeAt: number | null;
  states: string | null; ats: string | null; flapSince: string | null; flapAt: string | null;
}

interface Planned { customer: string; versions: CustomerVersion[]; plan: MonthPlan; subjects: string[] }

export function monthsReader(pool: pg.Pool, ledger: LedgerTables) {
  // One read at a time: each holds two pooled connections, one waiting on the
  // other, so reads side by side could take the whole pool and wait forever.
  let turn: Promise<unknown> = Promise.resolve();
  return (plan: (v: readonly CustomerVersion[]) => MonthPlan | null, each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize = MONTHS_BATCH): Promise<void> => {
    const run = turn.then(() => readAll(pool, ledger, plan, each, batchSize));
    turn = run.catch(() => {});
    return run;
  };
}

function readAll(
  pool: pg.Pool, ledger: LedgerTables, plan: (v: readonly CustomerVersion[]) => MonthPlan | null,
  each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize: number,
): Promise<void> {
  return inTransaction(pool, 'months of every customer', async (c) => {
    // The reports and exclusions on a second connection, in this very snapshot
    // (exported; this transaction stays open past the other's start), while
    // this one reads the versions and the first batch: one statement at a
    // time per connection, since pg does not pipeline.
    const { id } = (await c.query<{ id: string }>('SELECT pg_export_snapshot() id')).rows[0]!;
    const side = inTransaction(pool, 'reports and exclusions of every customer', async (c2) => {
      await c2.query(`SET TRANSACTION SNAPSHOT '${id}'`);
      return { reports: await ledger.latestReports(undefined, c2), exclusions: await ledger.latestExclusions(undefined, c2) };
    }, READ_SNAPSHOT);
    side.catch(() => {}); // awaited below; a failure before then must not go unhandled
    const versions = await ledger.customerVersions(c);
    const planned: Planned[] = [];
    // By id in JavaScript's order, whatever the database's collation.
    for (const [customer, vs] of [...byKey(versions, (v) => v.customer)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = plan(vs);
      if (p) planned.push({ customer, versions: vs, plan: p, subjects: [...new Set(p.subjects)] });
    }
    const batches: Planned[][] = [];
    for (let i = 0; i < planned.length; i += Math.max(1, batchSize)) batches.push(planned.slice(i, i + Math.max(1, batchSize)));
    const states: State[] = [];
    let next = batches.length ? queue(c, batches[0]!, states) : null;
    let reportsOf: Map<string, ReportVersion[]>, exclusions: ExclusionVersion[];
    try {
      const ledgerRows = await side;
      reportsOf = byKey(ledgerRows.reports, (r) => r.customer);
      exclusions = ledgerRows.exclusions;
    } catch (e) {
      next?.catch(() => {});
      throw e;
    }
    try {
      for (let i = 0; next; i++) {
        const done = await next;
        // Sent before `each` runs: the server works on it meanwhile.
        next = i + 1 < batches.length ? queue(c, batches[i + 1]!, states) : null;
        await each(done.map((b) => monthOf(b, reportsOf.get(b.planned.customer) ?? [], exclusions)));
      }
    } finally {
      // `each` failed with a batch in flight: its failure is the one to report.
      next?.catch(() => {});
    }
  }, READ_SNAPSHOT);
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

/** Sends the batch's statement and resolves to its rows, decoded. */
async function queue(c: pg.PoolClient, batch: Planned[], states: State[]): Promise<BatchRows[]> {
  const w = windows(batch);
  const r = await c.query<BatchRow>(BATCH, [w.subjects, w.from, w.asOf]);
  const rows: Rows = { before: new Map(), between: new Map(), flaps: new Map(), cut: new Map() };
  for (const x of r.rows) {
    if (x.beforeState !== null) rows.before.set(x.subject, { subject: x.subject, state: x.beforeState, at: x.beforeAt! });
    if (x.states !== null) rows.between.set(x.subject, changes(x.subject, x.states, x.ats!, states));
    if (x.flapSince !== null) {
      const since = numbers(x.flapSince), at = numbers(x.flapAt!);
      rows.flaps.set(x.subject, since.map((v, i) => ({ subject: x.subject, since: v, at: at[i]! })));
    }
  }
  return batch.map((planned) => ({ planned, rows }));
}

/**
 * A subject's changes from its comma-joined states and times, read side by
 * side in one pass: a million changes make no array but the result.
 */
function changes(subject: string, stateText: string, atText: string, known: State[]): Observation[] {
  const out: Observation[] = [];
  let p = 0, q = 0;
  while (p <= stateText.length && q <= atText.length) {
    let end = stateText.indexOf(',', p);
    if (end < 0) end = stateText.length;
    let state = known.find((k) => k.length === end - p && stateText.startsWith(k, p));
    if (state === undefined) { state = stateText.slice(p, end) as State; known.push(state); }
    p = end + 1;
    let stop = atText.indexOf(',', q);
    if (stop < 0) stop = atText.length;
    out.push({ subject, state, at: integer(atText, q, stop) });
    q = stop + 1;
  }
  return out;
}

/** The integer (ms) in text[from, to), digit by digit: no string for it unless it has more than 15 digits. */
function integer(text: string, from: number, to: number): number {
  let n = 0, sign = 1, i = from;
  if (text.charCodeAt(i) === 45) { sign = -1; i++; } // '-'
  if (to - i > 15) return safeNumber(text.slice(from, to)); // beyond 15 digits a double may not be exact: the checked parse
  for (; i < to; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return sign * n;
}

/** Comma-joined integers (ms), read digit by digit: no string per number. */
function numbers(text: string): number[] {
  const out: number[] = [];
  let n = 0, sign = 1, digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 44;
    if (c === 44) { // ','
      // 15 digits or fewer are exact in a double; anything longer goes through the checked parse.
      out.push(digits <= 15 ? sign * n : safeNumber(text.slice(text.lastIndexOf(',', i - 1) + 1, i)));
      n = 0; sign = 1; digits = 0;
    } else if (c === 45) sign = -1; // '-'
    else { n = n * 10 + (c - 48); digits++; }
  }
  return out;
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
