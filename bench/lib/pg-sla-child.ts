/**
 * The SLA figures on PostgreSQL, store side (bench/pg-sla.ts): the synthetic
 * month of bench/sla-data.ts put into a PostgreSQL store through the store
 * interface and the SLA ledger (lib/sla-load.ts), the whole month read back
 * and reconciled, and the real collector on that database for the dispute
 * query over HTTP.
 *
 *   load { url, sample }   generate and load; keeps the pure result of the sampled customers
 *   month { url, month, asOf, check, batch }   every customer's month in figures from PostgreSQL
 *                          (SlaLedger.months.figures: Store.readMonths, one snapshot, reconciled
 *                          batch by batch as it comes); with `check`, then compared with pure
 *                          reconcileFigures of the generated month, which is timed in the same
 *                          process as the reference, and so is pure reconcile with every list
 *   start { url, now }     startCollector on the database → { url }
 *   setNow { now }         the collector's clock
 *   live { ids, month, asOf }   LiveReconciler results of the sampled customers against pure reconcile,
 *                          and their mean time (the collector's own path: one customer-month at a time)
 */
import type { CollectorConfig } from '../../collector/src/config.ts';
import { SlaLedger } from '../../collector/src/ledger/index.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { monthFigures } from '../../collector/src/ledger/months.ts';
import { reconcile, reconcileFigures } from '../../collector/src/sla/reconcile.ts';
import { openStore } from '../../collector/src/store/open.ts';
import type { LedgerStore } from '../../collector/src/store/types.ts';
import { buildSlaInput } from '../sla-data.ts';
import { serveRequests } from './child.ts';
import { collectGarbage } from './measure.ts';
import { benchConfig, countsOf, expectedOf, loadStore, type LoadTimes } from './sla-load.ts';

export interface PgLoadResult extends LoadTimes { generateS: number; totalS: number; customers: number; observations: number; reports: number; exclusions: number }
/** Where a month's time went, in seconds: reconciling, waiting for later batches, and for the first (the ledger, then its rows). */
export interface MonthTimes { wallS: number; reconcileS: number; waitS: number; firstBatchS: number; batches: number; observations: number }
export interface PgMonthResult extends MonthTimes {
  cpuSeconds: number;
  /** Pure reconcileFigures, and pure reconcile with every list, of the generated month in the same process, after the run (-1: not checked). */
  pureS: number; pureFullS: number;
  /** Customers whose figures equal pure reconcileFigures' of the generated month (-1: not checked). */
  matched: number; customers: number;
}

/**
 * The store's readMonths as monthFigures calls it, timed around the batches:
 * each batch's handling (reconciling) and the wait for the first batch (the
 * ledger, then its rows); the rest of the wall time is waiting for the later
 * ones. Also the observation rows decoded (rows shared by customers of one
 * batch counted once).
 */
function timedReads(store: Pick<LedgerStore, 'readMonths'>): { reader: Pick<LedgerStore, 'readMonths'>; times: (wallMs: number) => MonthTimes } {
  let reconcileMs = 0, firstMs = 0, batches = 0, observations = 0;
  const reader: Pick<LedgerStore, 'readMonths'> = {
    async readMonths(plan, each, batchSize) {
      let last = performance.now();
      await store.readMonths(plan, async (batch) => {
        const t1 = performance.now();
        if (batches++ === 0) firstMs = t1 - last;
        await each(batch);
        last = performance.now();
        reconcileMs += last - t1;
        const rows = new Set<readonly unknown[]>();
        for (const m of batch) for (const r of m.snapshot.observations.values()) rows.add(r);
        for (const r of rows) observations += r.length;
      }, batchSize);
    },
  };
  const times = (wallMs: number): MonthTimes =>
    ({ wallS: wallMs / 1000, reconcileS: reconcileMs / 1000, waitS: (wallMs - reconcileMs - firstMs) / 1000, firstBatchS: firstMs / 1000, batches, observations });
  return { reader, times };
}

let config: Readonly<CollectorConfig> | null = null;
let collector: CollectorHandle | null = null;
const clock = { now: 0 };
let expected = new Map<string, string>();

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
      expected = expectedOf(input, a.sample);
      return { generateS, totalS: (performance.now() - t1) / 1000, ...times, ...countsOf(input) };
    } finally {
      await store.close();
    }
  },

  async month(a: { url: string; month: string; asOf: number; check: boolean; batch?: number }): Promise<PgMonthResult> {
    const store = await openStore(a.url);
    try {
      collectGarbage();
      const cpu0 = process.cpuUsage();
      const { reader, times } = timedReads(store);
      const t0 = performance.now();
      const run = await monthFigures(reader, a.month, a.asOf, a.batch);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      // The check, untimed: pure reconcile of the month as generated, in this process, timed as the reference.
      let pureS = -1, pureFullS = -1, matched = -1, customers = run.customers.length;
      if (a.check) {
        const input = buildSlaInput();
        collectGarbage();
        let t = performance.now();
        const pure = new Map(reconcileFigures(input).customers.map((c) => [c.id, JSON.stringify(c.services)]));
        pureS = (performance.now() - t) / 1000;
        matched = run.customers.filter((c) => pure.get(c.id) === JSON.stringify(c.services)).length;
        customers = pure.size;
        pure.clear();
        collectGarbage();
        t = performance.now();
        reconcile(input);
        pureFullS = (performance.now() - t) / 1000;
      }
      return { ...times(wallMs), cpuSeconds: (cpu.user + cpu.system) / 1e6, pureS, pureFullS, matched, customers };
    } finally {
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
