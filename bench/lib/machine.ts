/** The machine a run was measured on, printed above every run's tables. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine { cpus: number; cpuModel: string; memGB: number; node: string; kernel: string; date: string; loadavg: number[]; calibrationMs: number }

export function machine(): Machine {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch { /* not Linux: os.cpus() is good enough */ }
  return {
    cpus: os.availableParallelism(), cpuModel: model, memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, kernel: `${os.type()} ${os.release()}`, date: new Date().toISOString(), loadavg: os.loadavg(), calibrationMs: calibrate(),
  };
}

/**
 * A fixed piece of single-threaded JS, timed (best of 3): compares the speed a
 * core delivered to this run with other runs and machines (lower is faster).
 */
function calibrate(): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < 10_000_000; i++) x += Math.sqrt(i);
    if (x < 0) throw new Error('unreachable');
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memGB} GB RAM, ${m.kernel}, node ${m.node}, ${m.date}, load average ${m.loadavg.map((l) => l.toFixed(2)).join(' ')}, calibration loop ${m.calibrationMs.toFixed(0)} ms`;
}
