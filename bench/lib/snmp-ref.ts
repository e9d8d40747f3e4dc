/**
 * Reference pollers and their costs, for bench/snmp-poll.ts: a bare net-snmp
 * GETBULK walk (the library's own limit), Net-SNMP's `snmpbulkwalk` and a
 * trivial `snmpget` (its process start-up), and CPU readings of other
 * processes from /proc (snmpd, snmp_exporter, the CLI tools we wait for).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp from 'net-snmp';
import { isUnder } from '../../agent/src/snmp/types.ts';
import { percentile } from './measure.ts';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream build). */
const HZ = 100;

/** utime+stime (+ cutime+cstime with `children`) of a process, in seconds; null when unreadable. */
export function procCpuSeconds(pid: number | 'self', children = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // After comm: state=f[0], … utime=f[11], stime=f[12], cutime=f[13], cstime=f[14].
    return (f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) / HZ;
  } catch {
    return null;
  }
}

/** CPU seconds of this process's reaped children (cutime + cstime): the CLI tools we ran and waited for. */
export function reapedChildrenCpuSeconds(): number {
  const all = procCpuSeconds('self', true)!;
  const own = procCpuSeconds('self')!;
  return all - own;
}

/** Resident set size of another process in MB (VmRSS), null when unreadable. */
export function procRssMB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface BareWalk {
  /** One walk of every column in lockstep plus a GET of sysUpTime alongside; resolves to the varbind count. */
  run(): Promise<number>;
  close(): void;
}

/**
 * net-snmp's getBulk driven by hand, one cursor per column, as any caller of
 * the library would write it: no promise wrappers per varbind, no reading
 * objects, no error mapping. sysUpTime is fetched by a GET sent at the same
 * time, as the agent does.
 */
export function bareWalk(host: string, port: number, community: string, columns: readonly string[], sysUpTime: string, maxRepetitions: number): BareWalk {
  const session = snmp.createSession(host, community, { port, version: snmp.Version2c, timeout: 5000, retries: 0, idBitsSize: 32 });
  session.on('error', () => {});
  const bulk = (oids: string[]): Promise<any[][]> =>
    new Promise((res, rej) => session.getBulk(oids, 0, maxRepetitions, (e: Error | null, v: any[][]) => (e ? rej(e) : res(v))));
  const get = (oids: string[]): Promise<any[]> =>
    new Promise((res, rej) => session.get(oids, (e: Error | null, v: any[]) => (e ? rej(e) : res(v))));
  return {
    async run() {
      let n = 0;
      const up = get([sysUpTime]);
      let cursors = columns.map((base) => ({ base, at: base }));
      while (cursors.length) {
        const cols = await bulk(cursors.map((c) => c.at));
        cursors = cursors.filter((c, i) => {
          const got = cols[i] ?? [];
          let k = 0;
          for (; k < got.length; k++) {
            const vb = got[k];
            if (snmp.isVarbindError(vb) || !isUnder(c.base, vb.oid)) break;
          }
          n += k;
          if (k > 0) c.at = got[k - 1].oid;
          // The column goes on only while the whole answer stayed inside it.
          return k > 0 && k === got.length;
        });
      }
      await up;
      return n + 1;
    },
    close: () => { try { session.close(); } catch { /* closed */ } },
  };
}

/**
 * A Net-SNMP CLI chain's own work (medians): the chain's wall time less one
 * process start-up for each of its `processes`. The start-up is a
 * one-varbind `snmpget`'s wall time less the same GET's round trip made in
 * process against the same server, so a slow server's answer (tens of ms
 * from snmpsimd) is not subtracted as if it were start-up.
 */
export function lessStartups(chainMs: readonly number[], processes: number, cliGetMs: readonly number[], inProcessGetMs: readonly number[]): { startupMs: number; netMs: number } {
  const startupMs = percentile([...cliGetMs], 50) - percentile([...inProcessGetMs], 50);
  return { startupMs, netMs: percentile([...chainMs], 50) - processes * startupMs };
}

/** Env for the Net-SNMP CLI: no MIB loading (none installed here, docs/testing.md). */
export const SNMP_CLI_ENV = { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' };

/** Runs a Net-SNMP CLI tool to completion; resolves to wall ms and the output's line count. */
export function timeCli(cmd: string, args: readonly string[]): Promise<{ ms: number; lines: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: SNMP_CLI_ENV, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      const ms = performance.now() - t0;
      if (err) { reject(new Error(`${cmd} failed: ${stderr.trim() || err.message}`)); return; }
      resolve({ ms, lines: stdout.split('\n').filter(Boolean).length });
    });
  });
}

/**
 * The same probe in the background while something else runs: one append +
 * fdatasync every `everyMs`, so a stall of the disk during a measured window
 * shows up beside the latencies it would explain. `stop()` returns the durations.
 */
export function fsyncProbe(everyMs: number): { stop(): Promise<number[]> } {
  let running = true;
  const done = (async () => {
    const out: number[] = [];
    while (running) {
      out.push(...await fsyncTimes(1));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return out;
  })();
  return { stop: () => { running = false; return done; } };
}

/**
 * The disk's own durability cost, for reading latency tails: `n` appends of
 * one event-sized line, each followed by fdatasync, as the agent's outbox
 * does per commit, on the temp filesystem the agent and collector use.
 */
export async function fsyncTimes(n: number): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'dcprobe-bench-fsync-'));
  const fh = await open(join(dir, 'probe.jsonl'), 'a');
  const line = `${'x'.repeat(299)}\n`;
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fh.write(line);
      await fh.datasync();
      out.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
