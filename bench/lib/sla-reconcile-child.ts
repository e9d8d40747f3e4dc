/**
 * The SLA section, pure reconcile: one fresh process per run (started with Child.start
 * and --expose-gc), so its RSS is the reconciler's and its input's alone.
 * `generate` builds the synthetic month (bench/sla-data.ts) and is timed
 * apart; `reconcile` then times one `reconcile()` over it: wall, CPU (user +
 * system), the phase's own peak RSS (see sla-peak.ts) and the V8 heap before,
 * right after (garbage included) and after a full GC with the result held.
 * With `profile`, a CPU profile of the call is written there (timing then
 * includes the profiler's cost).
 */
import { reconcile } from '../../collector/src/sla/reconcile.ts';
import type { ReconcileInput, ReconcileResult } from '../../collector/src/sla/types.ts';
import { buildSlaInput, type SlaDataOptions } from '../sla-data.ts';
import { serveRequests } from './child.ts';
import { collectGarbage, memory, startUsage, type Usage } from './measure.ts';
import { peakRssMB, resetPeakRss } from './sla-peak.ts';
import { startProfile } from './profiler.ts';

export interface GenerateResult { usage: Usage; rssMB: number; heapUsedMB: number; customers: number; observations: number; reports: number; exclusions: number }
export interface ReconcileRun {
  wallSeconds: number; cpuSeconds: number;
  rssBeforeMB: number; peakRssMB: number; peakExact: boolean;
  heapBeforeMB: number; heapAfterMB: number; heapRetainedMB: number;
  services: number; incidents: number; reports: number;
}

let input: ReconcileInput | null = null;
let result: ReconcileResult | null = null;

serveRequests({
  generate(a: SlaDataOptions) {
    const u = startUsage();
    input = buildSlaInput(a);
    const usage = u.stop();
    collectGarbage();
    const m = memory();
    return {
      usage, rssMB: m.rssMB, heapUsedMB: m.heapUsedMB,
      customers: input.customers.length, observations: input.observations.length, reports: input.reports.length, exclusions: input.exclusions.length,
    } satisfies GenerateResult;
  },
  async reconcile(a: { profile?: string }): Promise<ReconcileRun> {
    if (!input) throw new Error('generate first');
    const prof = a.profile ? await startProfile() : null;
    collectGarbage();
    const before = memory();
    const peakExact = resetPeakRss();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    result = reconcile(input);
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const peak = peakRssMB();
    const after = memory();
    if (prof) await prof.stop(a.profile!);
    collectGarbage();
    const retained = memory();
    let services = 0, incidents = 0, reports = 0;
    for (const c of result.customers) {
      for (const s of Object.values(c.services)) { services++; incidents += s.incidents.length; reports += s.reports.length; }
    }
    return {
      wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssBeforeMB: before.rssMB, peakRssMB: peak, peakExact,
      heapBeforeMB: before.heapUsedMB, heapAfterMB: after.heapUsedMB, heapRetainedMB: retained.heapUsedMB,
      services, incidents, reports,
    };
  },
});
