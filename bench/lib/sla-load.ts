/**
 * Puts the synthetic month (bench/sla-data.ts) into a real collector store
 * through the store's own write paths, each phase timed:
 *  - customers: as collector config (zod-validated like a real config file),
 *    recorded by SlaLedger.syncConfig, as at a collector's start;
 *  - observations: ObservationStore.insertMany (the ingest path's write) in
 *    batches of 100, 50,000 rows per transaction (a real collector commits
 *    per agent batch; one fsync per 50k rows is what a bulk import would do);
 *  - reports and exclusions: ReportStore/ExclusionStore.append (each writes its
 *    audit row), nested in one outer transaction per 5,000 so better-sqlite3
 *    turns each append's own transaction into a savepoint instead of an fsync.
 */
import type { State } from '@dcprobe/shared';
import { buildConfig, type CollectorConfig } from '../../collector/src/config.ts';
import type { SlaLedger } from '../../collector/src/ledger/index.ts';
import { toCustomerSpec } from '../../collector/src/ledger/live.ts';
import type { Db } from '../../collector/src/store/sqlite/db.ts';
import { ObservationStore } from '../../collector/src/store/sqlite/observations.ts';
import type { ObservationRow } from '../../collector/src/store/types.ts';
import type { ReconcileInput } from '../../collector/src/sla/types.ts';

export const BENCH_READ_TOKEN = 'bench-sla-read-token-0123456789';
/** recorded_at of what the loader writes: before the month, so nothing looks recorded in the future. */
const RECORDED_AT = Date.UTC(2026, 9, 1);
const OBS_PER_TX = 50_000;
/** An agent's batch, as the ingest benchmark sends them. */
const ROWS_PER_BATCH = 100;
const LEDGER_PER_TX = 5_000;

const POWER_STATES: ReadonlySet<State> = new Set<State>(['mains', 'battery', 'off']);


/** The collector config: loopback on port 0, a read token for the API, every customer. */
export function benchConfig(input: ReconcileInput, database: string): Readonly<CollectorConfig> {
  return buildConfig({
    listen: '127.0.0.1:0', database, logLevel: 'silent',
    apiTokens: [{ name: 'bench-reader', role: 'read', token: BENCH_READ_TOKEN }],
    customers: input.customers.map(toCustomerSpec),
  });
}

export interface LoadTimes { customersS: number; observationsS: number; reportsS: number; exclusionsS: number }

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export function loadStore(db: Db, sla: SlaLedger, config: Readonly<CollectorConfig>, input: ReconcileInput): LoadTimes {
  let t0 = performance.now();
  sla.syncConfig(config.customers, RECORDED_AT);
  const customersS = seconds(t0);

  t0 = performance.now();
  const store = new ObservationStore(db);
  const power = new Set(input.customers.flatMap((c) => c.power?.feeds ?? []));
  const obs = input.observations;
  const chunk = db.transaction((from: number, to: number) => {
    // insertMany is the ingest path's write (multi-row statements); a batch's arrival is its last change.
    for (let i = from; i < to; i += ROWS_PER_BATCH) {
      const rows: ObservationRow[] = [];
      for (let j = i; j < Math.min(to, i + ROWS_PER_BATCH); j++) {
        const o = obs[j]!;
        const kind = POWER_STATES.has(o.state) || (o.state === 'unknown' && power.has(o.subject)) ? 'power' : 'port';
        rows.push({ subject: o.subject, kind, state: o.state, at: o.at, via: 'poll', agentId: null, seq: null });
      }
      store.insertMany(rows, rows[rows.length - 1]!.at);
    }
  });
  for (let i = 0; i < obs.length; i += OBS_PER_TX) chunk(i, Math.min(obs.length, i + OBS_PER_TX));
  const observationsS = seconds(t0);

  t0 = performance.now();
  const reports = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = input.reports[i]!;
      sla.reports.append(r.id, 'create', {
        customer: r.customer, service: r.service, reportedAt: r.reportedAt, noticeAt: r.noticeAt,
        claimedStart: r.claimedStart, claimedEnd: r.claimedEnd, firstResponseAt: r.firstResponseAt,
      }, 'bench-loader', RECORDED_AT);
    }
  });
  for (let i = 0; i < input.reports.length; i += LEDGER_PER_TX) reports(i, Math.min(input.reports.length, i + LEDGER_PER_TX));
  const reportsS = seconds(t0);

  t0 = performance.now();
  db.transaction(() => {
    for (const x of input.exclusions) {
      sla.exclusions.append(x.id, 'create', { customer: x.customer, service: x.service, start: x.start, end: x.end, category: x.category, ref: x.ref }, 'bench-loader', RECORDED_AT);
    }
  })();
  const exclusionsS = seconds(t0);
  return { customersS, observationsS, reportsS, exclusionsS };
}
