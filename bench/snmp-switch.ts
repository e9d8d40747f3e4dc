/**
 * What one poll of a switch costs: the snmp-switch source's full poll
 * (sysUpTime + ifOperStatus/ifAdminStatus/ifLastChange of every interface,
 * readings built) beside a bare net-snmp multi-column GETBULK walk of the same
 * three columns in the same process, against the simulated switch on
 * loopback. A second table compares the two read strategies (GETs of the
 * selected rows vs a walk of the whole table) by selection size, which is
 * where `strategy()` in agent/src/switch/status.ts draws its line.
 *
 *   node --import tsx bench/snmp-switch.ts [--quick] [--snmpd]
 *   (--snmpd, or DCPROBE_BENCH_SNMPD=1: also a real snmpd in a namespace; needs root)
 *   (or as a section of `npm run bench` once listed in bench/run.ts)
 */
import { pathToFileURL } from 'node:url';
import snmp from 'net-snmp';
import { silentLogger } from '../agent/src/log.ts';
import { startSimSwitch } from '../agent/src/sim/switch.ts';
import { openSwitch, switchTargetSchema } from '../agent/src/sources/snmp-switch.ts';
import { openSnmp } from '../agent/src/snmp/client.ts';
import { STATUS_COLUMNS, SYS_UPTIME } from '../agent/src/profiles/if-mib.ts';
import { isUnder } from '../agent/src/snmp/types.ts';
import { readStatus, strategy } from '../agent/src/switch/status.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtRatio, renderText, type Cell, type Table } from './lib/table.ts';

const MAX_REP = 25;
const IDLE_MS = 1000;

interface Timing { p50: number; p90: number; cpuMs: number }

function summarize(ts: number[], cpuUs: number): Timing {
  ts.sort((a, b) => a - b);
  return { p50: ts[Math.floor(ts.length / 2)]!, p90: ts[Math.floor(ts.length * 0.9)]!, cpuMs: cpuUs / 1000 / ts.length };
}

/**
 * Times `fs` interleaved (a, b, a, b …) after `warm` untimed rounds, so JIT
 * warm-up, GC and a noisy neighbour weigh on each the same.
 */
async function timeEach(fs: (() => Promise<unknown>)[], runs: number, warm = 10, gapMs = 0): Promise<Timing[]> {
  for (let i = 0; i < warm; i++) for (const f of fs) await f();
  const sleep = () => new Promise((r) => setTimeout(r, gapMs));
  const ts = fs.map(() => [] as number[]);
  const cpu = fs.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (const [k, f] of fs.entries()) {
      if (gapMs) await sleep();
      const c0 = process.cpuUsage();
      const t = performance.now();
      await f();
      ts[k]!.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpu[k]! += c.user + c.system;
    }
  }
  return ts.map((t, k) => summarize(t, cpu[k]!));
}

/** The reference: net-snmp's getBulk driven by hand, one cursor per column, plus sysUpTime. */
function bareWalk(session: any): () => Promise<number> {
  const bulk = (oids: string[]): Promise<any[][]> =>
    new Promise((res, rej) => session.getBulk(oids, 0, MAX_REP, (e: Error | null, v: any[][]) => (e ? rej(e) : res(v))));
  const get = (oids: string[]): Promise<unknown> =>
    new Promise((res, rej) => session.get(oids, (e: Error | null, v: unknown) => (e ? rej(e) : res(v))));
  return async () => {
    let n = 0;
    let cursors = STATUS_COLUMNS.map((base) => ({ base, at: base as string }));
    const up = get([SYS_UPTIME]);
    while (cursors.length) {
      const cols = await bulk(cursors.map((c) => c.at));
      cursors = cursors.filter((c, i) => {
        const rows = (cols[i] ?? []).filter((vb) => isUnder(c.base, vb.oid) && !snmp.isVarbindError(vb));
        n += rows.length;
        if (rows.length) c.at = rows[rows.length - 1].oid;
        return rows.length === (cols[i] ?? []).length && rows.length > 0;
      });
    }
    await up;
    return n;
  };
}

interface Device {
  label: string;
  host: string;
  port: number;
  community: string;
  /** Every ifIndex the device has, for picking selections. */
  ifIndexes: number[];
  close(): Promise<void>;
}

async function simDevice(ports: number): Promise<Device> {
  const sim = await startSimSwitch({ ports });
  return {
    label: 'sim', host: '127.0.0.1', port: sim.port, community: 'public',
    ifIndexes: sim.interfaces().map((i) => i.ifIndex), close: () => sim.close(),
  };
}

/** Real Net-SNMP snmpd in a namespace with veth ports (needs root; the e2e fixtures). */
async function snmpdDevice(ports: number): Promise<Device> {
  const { createSwitchNetns } = await import('../test/e2e/fixtures/netns.ts');
  const { startSnmpd } = await import('../test/e2e/fixtures/snmpd.ts');
  const sw = await createSwitchNetns({ ports });
  const d = await startSnmpd(sw, { fastLinkTraps: false }).catch(async (e: unknown) => { await sw.destroy(); throw e; });
  const walked = await d.walk('.1.3.6.1.2.1.2.2.1.1');
  return {
    label: 'snmpd', host: d.host, port: d.port, community: d.community,
    ifIndexes: [...walked.values()].map(Number), close: async () => { await d.stop(); await sw.destroy(); },
  };
}

async function measure(dev: Device, runs: number, pollRows: Cell[][], stratRows: Cell[][]): Promise<void> {
  const total = dev.ifIndexes.length;
  const target = switchTargetSchema.parse({
    kind: 'snmp-switch', name: 'bench', host: dev.host, port: dev.port, community: dev.community, ports: 'all', timeoutMs: 5000, retries: 0,
  });
  const inst = openSwitch(target, { log: silentLogger, now: Date.now });
  const ctx = { signal: new AbortController().signal, now: Date.now, log: silentLogger };
  const session = snmp.createSession(dev.host, dev.community, { port: dev.port, version: snmp.Version2c, timeout: 5000, retries: 0 });
  const client = openSnmp({ host: dev.host, port: dev.port, version: '2c', community: dev.community, timeoutMs: 5000, retries: 0, maxRepetitions: MAX_REP });
  try {
    const [poll, bare] = await timeEach([() => inst.poll(ctx), bareWalk(session)], runs) as [Timing, Timing];
    pollRows.push([dev.label, total, poll.p50, poll.p90, poll.cpuMs, bare.p50, bare.cpuMs, fmtRatio(poll.p50 / bare.p50)]);
    if (dev.label === 'snmpd') {
      // PEERS.md: a poller that idles between polls pays more CPU per poll (cold caches, timers).
      const [p2, b2] = await timeEach([() => inst.poll(ctx), bareWalk(session)], Math.max(5, runs / 4), 0, IDLE_MS) as [Timing, Timing];
      pollRows.push([`${dev.label}, ${IDLE_MS / 1000} s idle`, total, p2.p50, p2.p90, p2.cpuMs, b2.p50, b2.cpuMs, fmtRatio(p2.p50 / b2.p50)]);
    }
    if (total < 500) return;
    for (const k of [16, 48, 100, 250, 500, 750, total]) {
      const idx = Array.from({ length: k }, (_, i) => dev.ifIndexes[Math.floor((i * total) / k)]!);
      const [g, w] = await timeEach([
        () => readStatus(client, idx, 'get', Date.now), () => readStatus(client, idx, 'walk', Date.now),
      ], Math.max(5, runs / 4), 3) as [Timing, Timing];
      stratRows.push([dev.label, k, g.p50, w.p50, g.p50 < w.p50 ? 'get' : 'walk', strategy(k, total)]);
    }
  } finally {
    inst.close();
    session.close();
    client.close();
  }
}

export async function snmpSwitchBench(opts: BenchOptions & { snmpd?: boolean }): Promise<Table[]> {
  const runs = opts.quick ? 10 : 40;
  const pollRows: Cell[][] = [];
  const stratRows: Cell[][] = [];
  const devices = [() => simDevice(48), () => simDevice(1000)];
  if (opts.snmpd ?? process.env.DCPROBE_BENCH_SNMPD === '1') devices.push(() => snmpdDevice(48), () => snmpdDevice(1000));
  for (const make of devices) {
    const dev = await make();
    try {
      await measure(dev, runs, pollRows, stratRows);
    } finally {
      await dev.close();
    }
  }
  return [
    {
      title: 'snmp-switch: one full poll vs a bare net-snmp GETBULK walk of the same columns (same process)',
      columns: ['device', 'interfaces', 'poll p50 ms', 'poll p90 ms', 'poll cpu ms', 'bare walk p50 ms', 'bare cpu ms', 'poll / bare'],
      rows: pollRows,
      notes: [
        `${runs} polls each, interleaved with the bare walk, after 10 warm-up rounds; max-repetitions ${MAX_REP}.`,
        'Full poll: sysUpTime + ifOperStatus/ifAdminStatus/ifLastChange of every interface, readings built; bare: the three columns + sysUpTime.',
        'sim: in this process on loopback, so its CPU is counted too; snmpd: real Net-SNMP in a namespace, CPU is the poller alone.',
      ],
    },
    {
      title: 'snmp-switch: read strategy by selection size',
      columns: ['device', 'rows polled', 'GETs p50 ms', 'walk p50 ms', 'faster', 'strategy() picks'],
      rows: stratRows,
      notes: [`GETs: 16 rows (48 varbinds) a request, 4 in flight; walk: every row, ${MAX_REP} repetitions × 3 columns a request.`],
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tables = await snmpSwitchBench({ quick: process.argv.includes('--quick'), profileDir: null, snmpd: process.argv.includes('--snmpd') });
  for (const t of tables) console.log(`${renderText(t)}\n`);
}
