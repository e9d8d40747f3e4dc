/**
 * Puts the synthetic month (bench/sla-data.ts) into a real collector store
 * through the store interface and the SLA ledger, each phase timed:
 *  - customers: as collector config (zod-validated like a real config file),
 *    recorded by SlaLedger.syncConfig, as at a collector's start;
 *  - observations: Store.importObservations (the projection's multi-row
 *    insert), 50,000 rows per transaction, as a bulk import would;
 *  - reports and exclusions: SlaLedger create (each a transaction with its
 *    audit row). The loader opens the store with synchronous=NORMAL, so these
 *    commits skip the fsync; the collector then runs on the file with FULL.
 */
import type { State } from '@dcprobe/shared';
import { buildConfig, type CollectorConfig } from '../../collector/src/config.ts';
import type { SlaLedger } from '../../collector/src/ledger/index.ts';
import { toCustomerSpec } from '../../collector/src/ledger/live.ts';
import { reconcile, subjectsOf } from '../../collector/src/sla/reconcile.ts';
import type { ObservationRow, Store } from '../../collector/src/store/types.ts';
import type { ReconcileInput } from '../../collector/src/sla/types.ts';

export const BENCH_READ_TOKEN = 'bench-sla-read-token-0123456789';
/** recorded_at of what the loader writes: before the month, so nothing looks recorded in the future. */
const RECORDED_AT = Date.UTC(2026, 9, 1);
const OBS_PER_TX = 50_000;

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

/**
 * `concurrency`: reports created that many at a time (default one by one); a
 * PostgreSQL store commits them on as many pooled connections at once.
 */
export async function loadStore(store: Store, sla: SlaLedger, config: Readonly<CollectorConfig>, input: ReconcileInput, concurrency = 1): Promise<LoadTimes> {
  let t0 = performance.now();
  await sla.syncConfig(config.customers, RECORDED_AT);
  const customersS = seconds(t0);

  t0 = performance.now();
  const power = new Set(input.customers.flatMap((c) => c.power?.feeds ?? []));
  const obs = input.observations;
  for (let i = 0; i < obs.length; i += OBS_PER_TX) {
    const rows: ObservationRow[] = [];
    for (let j = i; j < Math.min(obs.length, i + OBS_PER_TX); j++) {
      const o = obs[j]!;
      const kind = POWER_STATES.has(o.state) || (o.state === 'unknown' && power.has(o.subject)) ? 'power' : 'port';
      rows.push({ subject: o.subject, kind, state: o.state, at: o.at, via: 'poll', agentId: null, seq: null });
    }
    await store.importObservations(rows, rows[rows.length - 1]!.at); // a chunk's arrival is its last change
  }
  const observationsS = seconds(t0);

  t0 = performance.now();
  for (let i = 0; i < input.reports.length; i += concurrency) {
    await Promise.all(input.reports.slice(i, i + concurrency).map((r) => sla.reports.create(r.id, {
      customer: r.customer, service: r.service, reportedAt: r.reportedAt, noticeAt: r.noticeAt,
      claimedStart: r.claimedStart, claimedEnd: r.claimedEnd, firstResponseAt: r.firstResponseAt,
    }, 'bench-loader', RECORDED_AT)));
  }
  const reportsS = seconds(t0);

  t0 = performance.now();
  for (const x of input.exclusions) {
    await sla.exclusions.create(x.id, { customer: x.customer, service: x.service, start: x.start, end: x.end, category: x.category, ref: x.ref }, 'bench-loader', RECORDED_AT);
  }
  const exclusionsS = seconds(t0);
  return { customersS, observationsS, reportsS, exclusionsS };
}

/**
 * Pure reconcile of the sampled customers alone (customers are independent,
 * so one reconcile over just their subjects), each as the JSON of its
 * services: what the collector's live path must give them.
 */
export function expectedOf(input: ReconcileInput, sample: readonly string[]): Map<string, string> {
  const ids = new Set(sample);
  const customers = input.customers.filter((c) => ids.has(c.id));
  const subjects = new Set(customers.flatMap(subjectsOf));
  const pure = reconcile({
    ...input, customers,
    observations: input.observations.filter((o) => subjects.has(o.subject)),
    reports: input.reports.filter((r) => ids.has(r.customer)),
  });
  return new Map(pure.customers.map((c) => [c.id, JSON.stringify(c.services)]));
}

/** What the generated month holds. */
export function countsOf(input: ReconcileInput): { customers: number; observations: number; reports: number; exclusions: number } {
  return { customers: input.customers.length, observations: input.observations.length, reports: input.reports.length, exclusions: input.exclusions.length };
}

