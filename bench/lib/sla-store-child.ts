/**
 * The SLA section, store side: the synthetic month in a real collector store (temp
 * SQLite file, synchronous=FULL as in production), then the real collector
 * (startCollector, 127.0.0.1:0, an injected clock) in this
 * process, so the HTTP client (bench/sla.ts) runs elsewhere.
 *
 * Commands:
 *   load { sample }   generate, load (sla-load.ts), and compute the pure
 *                     reconcile result of the sampled customers to check the
 *                     live one against; → times, sizes
 *   start { now }     startCollector on the loaded file → { url, startS }
 *   setNow { now }    moves the collector's clock (dispute query vs /metrics)
 *   live { ids, month, asOf, profile? }   the in-process cost of one customer's month:
 *                     LiveReconciler.input (store reads), reconcile, JSON
 *   metricsText { n, profile? } the /metrics body built in process, n times (no HTTP)
 *   fill { maxMs }    the SLA metrics' own text() back to back until nothing is pending
 *   memory            this process's memory now
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectorConfig } from '../../collector/src/config.ts';
import { SlaLedger } from '../../collector/src/ledger/index.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { reconcile } from '../../collector/src/sla/reconcile.ts';
import { openStore } from '../../collector/src/store/open.ts';
import { buildSlaInput } from '../sla-data.ts';
import { serveRequests } from './child.ts';
import { collectGarbage, memory } from './measure.ts';
import { peakRssMB, resetPeakRss } from './sla-peak.ts';
import { startProfile } from './profiler.ts';
import { benchConfig, countsOf, expectedOf, loadStore, type LoadTimes } from './sla-load.ts';

export interface LoadResult extends LoadTimes {
  generateS: number; configS: number; totalS: number; dbMB: number; peakRssMB: number; rssAfterMB: number;
  customers: number; observations: number; reports: number; exclusions: number;
}
export interface LiveSample { inputMs: number; reconcileMs: number; jsonMs: number; totalMs: number; observations: number; bytes: number }
export interface LiveResult { samples: LiveSample[]; matched: number; mismatched: string[] }

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-bench-sla-'));
const database = join(dir, 'sla.sqlite');
let config: Readonly<CollectorConfig> | null = null;
let collector: CollectorHandle | null = null;
let ledger: SlaLedger | null = null;
const pendingIn = (text: string) => Number(/^dcprobe_sla_metrics_pending_customers (\d+)$/m.exec(text)?.[1] ?? NaN);
const clock = { now: 0 };
/** Pure reconcile's services of the sampled customers, as JSON: the live result must be the same. */
let expected = new Map<string, string>();

function fileMB(f: string): number {
  try { return statSync(f).size / 2 ** 20; } catch { return 0; }
}

serveRequests({
  async load(a: { sample: string[] }): Promise<LoadResult> {
    resetPeakRss();
    const t0 = performance.now();
    const input = buildSlaInput();
    const generateS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    config = benchConfig(input, database);
    const configS = (performance.now() - t1) / 1000;
    const store = await openStore(database, { synchronous: 'NORMAL' });
    const times = await loadStore(store, await SlaLedger.open(store), config, input);
    await store.close();
    const totalS = (performance.now() - t1) / 1000;

    expected = expectedOf(input, a.sample);
    const counts = countsOf(input);
    const peak = peakRssMB();
    collectGarbage();
    return { generateS, configS, totalS, ...times, ...counts, dbMB: fileMB(database), peakRssMB: peak, rssAfterMB: memory().rssMB };
  },
  async start(a: { now: number }) {
    clock.now = a.now;
    collectGarbage();
    const t0 = performance.now();
    collector = await startCollector(config!, { log: silentLogger, now: () => clock.now });
    const startS = (performance.now() - t0) / 1000;
    // The collector's own SLA ledger: the API's costs without HTTP.
    ledger = collector.sla;
    return { url: collector.url, startS, rssMB: memory().rssMB };
  },
  setNow(a: { now: number }) { clock.now = a.now; },
  async live(a: { ids: string[]; month: string; asOf: number; profile?: string }): Promise<LiveResult> {
    const prof = a.profile ? await startProfile() : null;
    const samples: LiveSample[] = [];
    const mismatched: string[] = [];
    let matched = 0;
    for (const id of a.ids) {
      const t0 = performance.now();
      const input = await ledger!.live.input(id, a.month, a.asOf);
      const t1 = performance.now();
      const result = reconcile(input);
      const t2 = performance.now();
      const body = JSON.stringify(result);
      const t3 = performance.now();
      samples.push({ inputMs: t1 - t0, reconcileMs: t2 - t1, jsonMs: t3 - t2, totalMs: t3 - t0, observations: input.observations.length, bytes: body.length });
      const want = expected.get(id);
      if (want === undefined) continue;
      if (want === JSON.stringify(result.customers[0]?.services)) matched++; else mismatched.push(id);
    }
    if (prof) await prof.stop(a.profile!);
    return { samples, matched, mismatched };
  },
  async metricsText(a: { n: number; profile?: string }) {
    const prof = a.profile ? await startProfile() : null;
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < a.n; i++) {
      const t0 = performance.now();
      bytes = (await collector!.metricsText()).length;
      ms.push(performance.now() - t0);
    }
    if (prof) await prof.stop(a.profile!);
    return { ms, bytes };
  },
  /**
   * Fills the SLA metrics cache without HTTP or the other registries: the same
   * instance and budget, called back to back until nothing is pending. What is
   * left is the compute itself (one live reconcile per customer).
   */
  async fill(a: { maxMs: number }) {
    const t0 = performance.now();
    let calls = 0, left = NaN;
    do {
      left = pendingIn(await collector!.slaMetrics.text());
      calls++;
    } while (left > 0 && performance.now() - t0 < a.maxMs);
    return { seconds: (performance.now() - t0) / 1000, calls, left };
  },
  memory() { return { ...memory(), peakRssMB: peakRssMB() }; },
}, async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});
