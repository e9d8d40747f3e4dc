/**
 * What a benchmark process reports about itself: CPU seconds (process.cpuUsage,
 * user + system, so work on libuv's threads such as SQLite's fsync is counted),
 * wall time, RSS sampled while the phase runs (peak), and the V8 heap.
 */
import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

export interface Usage {
  wallSeconds: number;
  cpuSeconds: number;
  /** cpuSeconds / wallSeconds: 1.0 is one core busy for the whole phase. */
  cores: number;
  rssMB: number;
  peakRssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
}

/** Starts measuring now; `stop()` returns what this process used since. */
export function startUsage(sampleMs = 100): { stop(): Usage } {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, sampleMs);
  timer.unref();
  return {
    stop(): Usage {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      return {
        wallSeconds, cpuSeconds, cores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
        rssMB: m.rss / MB, peakRssMB: peak / MB,
        heapUsedMB: m.heapUsed / MB, heapTotalMB: m.heapTotal / MB, externalMB: m.external / MB,
      };
    },
  };
}

export interface Memory { rssMB: number; heapUsedMB: number; heapTotalMB: number; externalMB: number; arrayBuffersMB: number }

export function memory(): Memory {
  const m = process.memoryUsage();
  return { rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, heapTotalMB: m.heapTotal / MB, externalMB: m.external / MB, arrayBuffersMB: m.arrayBuffers / MB };
}

/** Runs a full GC when the process was started with --expose-gc (the numbers then exclude garbage). */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  return true;
}

/** Nearest-rank percentile of an unsorted sample (sorted in place); NaN when empty. */
export function percentile(sample: number[] | Float64Array, p: number): number {
  if (sample.length === 0) return NaN;
  sample.sort((a, b) => a - b);
  const i = Math.min(sample.length - 1, Math.max(0, Math.ceil((p / 100) * sample.length) - 1));
  return sample[i]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * CPU seconds the whole machine has been busy since boot, all cores (Linux
 * /proc/stat; null elsewhere). The difference over a phase minus the bench's
 * own processes is what other programs took: on a shared 2-core machine that
 * decides whether a figure is trustworthy, so the tables print it.
 */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return null;
  }
}
