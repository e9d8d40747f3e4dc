/**
 * Timing pollers side by side against one SNMP server: each operation runs
 * in turn (a, b, a, b …) so drift, GC, the server's cache reloads and other
 * programs' load weigh on each alike. Used by bench/snmp-poll.ts and
 * bench/snmp-capped.ts.
 */
import { percentile, sleep } from './measure.ts';
import { procCpuSeconds } from './snmp-ref.ts';

export interface Op {
  name: string;
  run(): Promise<unknown>;
  /** CPU seconds so far of whoever does the polling work, read around each run. */
  cpu(): number;
}

export interface Stats {
  name: string;
  runs: number;
  p50: number;
  p90: number;
  mean: number;
  /** Wall ms of every run, in order. */
  wall: number[];
  /** Poller CPU ms per run. */
  cpuMs: number;
  /** The SNMP server's CPU ms per run (/proc, 10 ms ticks, averaged). */
  serverCpuMs: number;
}

/** This process's CPU seconds (user + system). */
export const selfCpu = (): number => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };

/**
 * Runs `ops` interleaved for `rounds` rounds, `gapMs` of idle before each run
 * (0: back to back). CPU is summed over runs only; `serverPid`'s CPU is read
 * around each run.
 */
export async function timeRounds(ops: readonly Op[], rounds: number, gapMs: number, serverPid: number): Promise<Stats[]> {
  const wall = ops.map(() => [] as number[]);
  const cpu = ops.map(() => 0);
  const serverCpu = ops.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [k, op] of ops.entries()) {
      if (gapMs > 0) await sleep(gapMs);
      const s0 = procCpuSeconds(serverPid) ?? NaN;
      const c0 = op.cpu();
      const t0 = performance.now();
      await op.run();
      wall[k]!.push(performance.now() - t0);
      cpu[k]! += op.cpu() - c0;
      serverCpu[k]! += (procCpuSeconds(serverPid) ?? NaN) - s0;
    }
  }
  return ops.map((op, k) => {
    const w = wall[k]!;
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    return {
      name: op.name, runs: w.length, p50: percentile([...w], 50), p90: percentile([...w], 90), mean, wall: w,
      cpuMs: (cpu[k]! / rounds) * 1000, serverCpuMs: (serverCpu[k]! / rounds) * 1000,
    };
  });
}
