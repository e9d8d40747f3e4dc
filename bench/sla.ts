/**
 * The SLA figures at scale, on the synthetic month of bench/sla-data.ts
 * (10,000 customers, 1,000,000 observations, 20,000 reports, 2026-11):
 *   1. pure reconcile of the month, in a fresh process per run (bench/lib/sla-reconcile-child.ts);
 *   2. one customer's dispute query, `GET /api/v1/customers/{id}/sla?month=2026-11`,
 *      against the real collector with that data in its store (bench/lib/sla-store-child.ts),
 *      and the same through the LiveReconciler in process, split into store reads,
 *      reconcile and JSON;
 *   3. `/metrics` with 10,000 customers: cold (cache filling, 250 ms budget a scrape), warm,
 *      and with the clock moving as it does between real scrapes.
 *
 *   npm run bench -- --only sla [--quick] [--profile DIR]
 * With --profile: CPU profiles of one more reconcile, of the in-process live
 * queries and of warm in-process scrapes (sla-*.cpuprofile), each an extra call
 * after the measured one.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/child.ts';
import { machineBusySeconds } from './lib/measure.ts';
import type { BenchOptions } from './lib/section.ts';
import { Client } from './lib/sla-http.ts';
import { BENCH_READ_TOKEN } from './lib/sla-load.ts';
import type { LiveResult, LoadResult } from './lib/sla-store-child.ts';
import type { GenerateResult, ReconcileRun } from './lib/sla-reconcile-child.ts';
import { slaTables, type MetricsFigures, type DisputeFigures, type PureRun } from './lib/sla-tables.ts';
import type { Table } from './lib/table.ts';

const RECONCILE = fileURLToPath(new URL('./lib/sla-reconcile-child.ts', import.meta.url));
const STORE = fileURLToPath(new URL('./lib/sla-store-child.ts', import.meta.url));

const MONTH = '2026-11';
/** The generator's asOf (2026-12-05T00:00+08:00): the month is over, every report is in. */
const AS_OF = Date.UTC(2026, 11, 4, 16);
/** /metrics is "this month so far": a clock inside November in every zone the generator uses. */
const METRICS_NOW = Date.UTC(2026, 10, 30, 12);
const CUSTOMERS = 10_000;
const SCRAPE_INTERVAL_MS = 15_000;

/** The same 500 (or 100) customers every run: mulberry32 like the generator. */
export function sample(n: number, seed = 7): string[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ids = new Set<string>();
  while (ids.size < n) ids.add(`cust-${String(Math.floor(rnd() * CUSTOMERS)).padStart(5, '0')}`);
  return [...ids];
}

/** A line on stderr per phase: the section runs for minutes, and a stall should say where. */
let t00 = performance.now();
function progress(what: string): void {
  process.stderr.write(`  [sla +${((performance.now() - t00) / 1000).toFixed(0)} s] ${what}\n`);
}

/** Where a measured window is profiled, when --profile is given. */
function profileFile(o: BenchOptions, tag: string): string | undefined {
  return o.profileDir ? join(o.profileDir, `sla-${tag}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`) : undefined;
}

async function pureRuns(o: BenchOptions, runs: number): Promise<{ gen: GenerateResult[]; runs: PureRun[] }> {
  const gen: GenerateResult[] = [], out: PureRun[] = [];
  for (let i = 0; i < runs; i++) {
    const c = Child.start(`sla reconcile ${i + 1}`, RECONCILE, ['--expose-gc']);
    try {
      gen.push(await c.call<GenerateResult>('generate', {}, 120_000));
      const busy0 = machineBusySeconds();
      const r = await c.call<ReconcileRun>('reconcile', {}, 180_000);
      const busy1 = machineBusySeconds();
      out.push({ ...r, otherCpuSeconds: busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - r.cpuSeconds) });
      // The profile is an extra call, so no figure in the tables carries the profiler's cost.
      if (o.profileDir && i === runs - 1) await c.call('reconcile', { profile: profileFile(o, 'reconcile') }, 180_000);
    } finally {
      await c.stop();
    }
  }
  return { gen, runs: out };
}

const pending = (text: string) => Number(/^dcprobe_sla_metrics_pending_customers (\d+)$/m.exec(text)?.[1] ?? NaN);

async function dispute(o: BenchOptions, store: Child, http: Client, ids: string[], warm: number): Promise<DisputeFigures> {
  await store.call('setNow', { now: AS_OF });
  const first = await http.get(`/api/v1/customers/${ids[0]}/sla?month=${MONTH}`);
  for (const id of sample(warm, 99)) await http.get(`/api/v1/customers/${id}/sla?month=${MONTH}`);
  const ms: number[] = [];
  const errors: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const r = await http.get(`/api/v1/customers/${id}/sla?month=${MONTH}`);
    ms.push(r.ms);
    bytes += r.body.length;
    if (r.status !== 200) errors.push(`${id}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    else if ((JSON.parse(r.body) as { customers: { id: string }[] }).customers[0]?.id !== id) errors.push(`${id}: wrong customer in the body`);
  }
  const live = await store.call<LiveResult>('live', { ids, month: MONTH, asOf: AS_OF }, 300_000);
  if (o.profileDir) await store.call('live', { ids, month: MONTH, asOf: AS_OF, profile: profileFile(o, 'live') }, 300_000);
  return { firstMs: first.ms, http: ms, live, errors, meanBytes: bytes / ids.length, retries: http.retries };
}

async function metrics(store: Child, http: Client, o: BenchOptions): Promise<MetricsFigures> {
  await store.call('setNow', { now: METRICS_NOW });
  const cold: number[] = [];
  const limitMs = o.quick ? 12_000 : 20_000;
  const t0 = performance.now();
  let r = await http.get('/metrics');
  cold.push(r.ms);
  const pendingFirst = pending(r.body);
  while (pending(r.body) > 0 && performance.now() - t0 < limitMs) { r = await http.get('/metrics'); cold.push(r.ms); }
  const coldS = (performance.now() - t0) / 1000;
  const pendingLeft = pending(r.body);
  // The rest of the fill without HTTP and the domain registry: bounded, so the section stays a few minutes.
  const fill = pendingLeft > 0 ? await store.call<{ seconds: number; calls: number; left: number }>('fill', { maxMs: 120_000 }, 180_000) : { seconds: 0, calls: 0, left: 0 };
  const warm: number[] = [];
  let text = r.body;
  for (let i = 0; i < 20; i++) { const w = await http.get('/metrics'); warm.push(w.ms); text = w.body; }
  const inProcess = await store.call<{ ms: number[]; bytes: number }>('metricsText', { n: 5 }, 120_000);
  if (o.profileDir) await store.call('metricsText', { n: 5, profile: profileFile(o, 'metrics-warm') }, 120_000);
  // Real scrapes come SCRAPE_INTERVAL_MS apart: the 60 s TTL then expires for customers whose figures move with the clock.
  const moving: number[] = [];
  let now = METRICS_NOW, movingPending = 0;
  for (let i = 0; i < 8; i++) {
    now += SCRAPE_INTERVAL_MS;
    await store.call('setNow', { now });
    const m = await http.get('/metrics');
    moving.push(m.ms);
    movingPending = pending(m.body);
  }
  const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const byFamily = new Map<string, { series: number; bytes: number }>();
  for (const l of text.split('\n')) {
    if (!l || l.startsWith('#')) continue;
    const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(l)?.[0] ?? '?';
    const f = byFamily.get(name) ?? { series: 0, bytes: 0 };
    f.series++;
    f.bytes += l.length + 1;
    byFamily.set(name, f);
  }
  const families = [...byFamily].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 4).map(([name, f]) => ({ name, ...f }));
  const slaSeries = text.split('\n').filter((l) => l.startsWith('dcprobe_sla_countable_seconds{')).length;
  return { cold, coldS, pendingFirst, pendingLeft, fill, warm, inProcess: inProcess.ms, moving, movingPending, bytes: text.length, series, slaSeries, families };
}

export async function sla(o: BenchOptions): Promise<Table[]> {
  t00 = performance.now();
  const pure = await pureRuns(o, o.quick ? 1 : 3);
  progress(`pure reconcile: ${pure.runs.map((r) => r.wallSeconds.toFixed(2)).join(', ')} s`);
  const ids = sample(o.quick ? 100 : 500);
  const store = Child.start('sla collector', STORE, ['--expose-gc']);
  let http: Client | null = null;
  try {
    const load = await store.call<LoadResult>('load', { sample: ids }, 600_000);
    progress(`store loaded in ${load.totalS.toFixed(1)} s`);
    const started = await store.call<{ url: string; startS: number; rssMB: number }>('start', { now: AS_OF }, 300_000);
    progress(`collector started in ${started.startS.toFixed(1)} s`);
    // A client per phase: the server drops an idle keep-alive socket after 5 s (between phases).
    http = new Client(started.url, BENCH_READ_TOKEN);
    const d = await dispute(o, store, http, ids, 20);
    http.close();
    progress(`dispute query done`);
    http = new Client(started.url);
    const m = await metrics(store, http, o);
    progress(`metrics done`);
    const mem = await store.call<{ rssMB: number; heapUsedMB: number; peakRssMB: number }>('memory');
    return slaTables({ pure, load, started, dispute: d, metrics: m, collectorMemory: mem, scrapeIntervalS: SCRAPE_INTERVAL_MS / 1000 });
  } finally {
    http?.close();
    await store.stop(30_000);
  }
}
