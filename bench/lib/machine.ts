/** The machine a run was measured on, printed above every run's tables. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine { cpus: number; cpuModel: string; memGB: number; node: string; kernel: string; date: string; loadavg: number[] }

export function machine(): Machine {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch { /* not Linux: os.cpus() is good enough */ }
  return {
    cpus: os.availableParallelism(), cpuModel: model, memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, kernel: `${os.type()} ${os.release()}`, date: new Date().toISOString(), loadavg: os.loadavg(),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memGB} GB RAM, ${m.kernel}, node ${m.node}, ${m.date}, load average ${m.loadavg.map((l) => l.toFixed(2)).join(' ')}`;
}
