/**
 * The SLA figures on PostgreSQL, store side (bench/pg-sla.ts): the synthetic
 * month of bench/sla-data.ts put into a PostgreSQL store through the store
 * interface and the SLA ledger (lib/sla-load.ts), the whole month read back
 * and reconciled, and the real collector on that database for the dispute
 * query over HTTP.
 *
 *   load { url, sample }   generate and load; keeps the pure result of the sampled customers
 *   month { url, month, asOf, check }   every customer's month read from PostgreSQL (the store's
 *                          ledger reads, observations in one COPY) and reconciled, each timed;
 *                          with `check`, then compared with pure reconcile of the generated month
 *   start { url, now }     startCollector on the database → { url }
 *   setNow { now }         the collector's clock
 *   live { ids, month, asOf }   LiveReconciler results of the sampled customers against pure reconcile,
 *                          and their mean time (the collector's own path: one customer-month at a time)
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CollectorConfig } from '../../collector/src/config.ts';
import { SlaLedger } from '../../collector/src/ledger/index.ts';
import { toCoreCustomer } from '../../collector/src/ledger/live.ts';
import { toCoreReport } from '../../collector/src/ledger/reports.ts';
import { filterExclusions, toCoreExclusion } from '../../collector/src/ledger/exclusions.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { reconcile, subjectsOf } from '../../collector/src/sla/reconcile.ts';
import type { Observation, ReconcileInput } from '../../collector/src/sla/types.ts';
import type { CustomerVersion } from '../../collector/src/store/types.ts';
import { openStore } from '../../collector/src/store/open.ts';
import { buildSlaInput } from '../sla-data.ts';
import { serveRequests } from './child.ts';
import { collectGarbage } from './measure.ts';
import { benchConfig, loadStore, type LoadTimes } from './sla-load.ts';

export interface PgLoadResult extends LoadTimes { generateS: number; totalS: number; customers: number; observations: number; reports: number; exclusions: number }
export interface PgMonthResult {
  readS: number; reconcileS: number; wallS: number; cpuSeconds: number;
  /** Read apart: ledger (customers, reports, exclusions) and observations. */
  ledgerS: number; observationsS: number; observations: number;
  /** Customers whose services equal pure reconcile's of the generated month (-1: not checked). */
  matched: number; customers: number;
}

let config: Readonly<CollectorConfig> | null = null;
let collector: CollectorHandle | null = null;
const clock = { now: 0 };
let expected = new Map<string, string>();

/** The latest version of each customer. */
function latest(versions: readonly CustomerVersion[]): CustomerVersion[] {
  const m = new Map<string, CustomerVersion>();
  for (const v of versions) if ((m.get(v.customer)?.version ?? 0) < v.version) m.set(v.customer, v);
  return [...m.values()];
}

/**
 * Every observation up to `asOf` in the store's order (subject, at, id: the
 * index's order, which the reconciler indexes fastest), as COPY text: one
 * stream, no per-row protocol message. Subjects and states hold no tab,
 * newline or backslash (the result is checked against pure reconcile).
 */
async function readObservations(pool: pg.Pool, asOf: number): Promise<Observation[]> {
  const client = await pool.connect();
  try {
    const out: Observation[] = [];
    let rest = '';
    const stream = client.query(copyTo(`COPY (SELECT subject, state, at FROM observations WHERE at <= ${Math.trunc(asOf)} ORDER BY subject, at, id) TO STDOUT`));
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        const t1 = l.indexOf('\t'), t2 = l.indexOf('\t', t1 + 1);
        out.push({ subject: l.slice(0, t1), state: l.slice(t1 + 1, t2) as Observation['state'], at: Number(l.slice(t2 + 1)) });
      }
    }
    return out;
  } finally {
    client.release();
  }
}

serveRequests({
  async load(a: { url: string; sample: string[] }): Promise<PgLoadResult> {
    const t0 = performance.now();
    const input = buildSlaInput();
    const generateS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    config = benchConfig(input, a.url);
    const store = await openStore(a.url);
    try {
      const times = await loadStore(store, await SlaLedger.open(store), config, input, 8);
      const ids = new Set(a.sample);
      const customers = input.customers.filter((c) => ids.has(c.id));
      const subjects = new Set(customers.flatMap(subjectsOf));
      const pure = reconcile({
        ...input, customers,
        observations: input.observations.filter((o) => subjects.has(o.subject)),
        reports: input.reports.filter((r) => ids.has(r.customer)),
      });
      expected = new Map(pure.customers.map((c) => [c.id, JSON.stringify(c.services)]));
      return {
        generateS, totalS: (performance.now() - t1) / 1000, ...times,
        customers: input.customers.length, observations: input.observations.length, reports: input.reports.length, exclusions: input.exclusions.length,
      };
    } finally {
      await store.close();
    }
  },

  async month(a: { url: string; month: string; asOf: number; check: boolean }): Promise<PgMonthResult> {
    const store = await openStore(a.url);
    const pool = new pg.Pool({ connectionString: a.url, max: 1 });
    try {
      collectGarbage();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      // The ledger through the store's own reads, and the observations alongside in one query.
      const [[versions, reports, exclusions, ledgerAt], obs] = await Promise.all([
        Promise.all([store.customerVersions(), store.latestReports(), store.latestExclusions()]).then(([v, r, x]) => [v, r, x, performance.now()] as const),
        readObservations(pool, a.asOf).then((rows) => ({ rows, at: performance.now() })),
      ]);
      const observations = obs.rows;
      const input: ReconcileInput = {
        title: `month ${a.month} of every customer, from PostgreSQL`, month: a.month, asOf: a.asOf,
        customers: latest(versions).map((v) => toCoreCustomer(v.spec)),
        observations,
        reports: reports.filter((r) => r.reportedAt <= a.asOf).map(toCoreReport),
        exclusions: filterExclusions(exclusions, {}).map(toCoreExclusion),
      };
      const t1 = performance.now();
      const result = reconcile(input);
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      // The check, untimed: pure reconcile of the month as generated.
      const pure = a.check ? new Map(reconcile(buildSlaInput()).customers.map((c) => [c.id, JSON.stringify(c.services)])) : null;
      const matched = pure ? result.customers.filter((c) => pure.get(c.id) === JSON.stringify(c.services)).length : -1;
      return {
        readS: (t1 - t0) / 1000, reconcileS: (t2 - t1) / 1000, wallS: (t2 - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6,
        ledgerS: (ledgerAt - t0) / 1000, observationsS: (obs.at - t0) / 1000, observations: observations.length,
        matched, customers: pure?.size ?? result.customers.length,
      };
    } finally {
      await pool.end();
      await store.close();
    }
  },

  async start(a: { now: number }) {
    clock.now = a.now;
    collector = await startCollector(config!, { log: silentLogger, now: () => clock.now });
    return { url: collector.url };
  },
  setNow(a: { now: number }) { clock.now = a.now; },

  async live(a: { ids: string[]; month: string; asOf: number }) {
    let matched = 0;
    const mismatched: string[] = [];
    const t0 = performance.now();
    for (const id of a.ids) {
      const r = await collector!.sla.live.result(id, a.month, a.asOf);
      const want = expected.get(id);
      if (want === undefined) continue;
      if (want === JSON.stringify(r.customers[0]?.services)) matched++; else mismatched.push(id);
    }
    return { matched, mismatched, msPerCustomer: (performance.now() - t0) / a.ids.length };
  },
}, async () => {
  await collector?.close();
});
