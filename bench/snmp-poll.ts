/**
 * What one full poll of a switch costs, against a real Net-SNMP snmpd
 * in a network namespace (test/e2e/fixtures) with 48 and 500 veth ports, beside
 * reference pollers of the same target:
 *   - the agent's full poll (snmp-switch source, ports: all): sysUpTime +
 *     ifOperStatus/ifLastChange of every interface (ifAdminStatus only of the
 *     ports that moved), readings built;
 *   - a bare net-snmp GETBULK walk of the same columns in this process (the library's limit);
 *   - `snmpbulkwalk` of the same columns (one run per column, it takes one OID) plus
 *     `snmpget` of sysUpTime, sequentially as a script would; a trivial `snmpget`
 *     alone is the tools' process start-up, reported apart;
 *   - prometheus-snmp-exporter's upstream `if_mib` module (config generated at
 *     bench time, bench/lib/snmp-exporter.ts), and a `dcprobe_status` module
 *     with just the agent's columns.
 * Warm (back to back, interleaved) and with idle gaps before each poll, since
 * a Node poller that sleeps pays more CPU per poll (docs/testing.md). Needs root.
 *
 *   npm run bench -- --only snmp-poll [--quick]
 */
import snmp from 'net-snmp';
import { silentLogger } from '../agent/src/log.ts';
import { openSwitch, switchTargetSchema } from '../agent/src/sources/snmp-switch.ts';
import { STATUS_COLUMNS, SYS_UPTIME } from '../agent/src/profiles/if-mib.ts';
import { createSwitchNetns } from '../test/e2e/fixtures/netns.ts';
import { startSnmpd } from '../test/e2e/fixtures/snmpd.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtNum, fmtRatio, type Cell, type Table } from './lib/table.ts';
import { bareWalk, procCpuSeconds, reapedChildrenCpuSeconds, timeCli } from './lib/snmp-ref.ts';
import { selfCpu, timeRounds, type Op, type Stats } from './lib/rounds.ts';
import { startSnmpExporter, type SnmpExporter } from './lib/snmp-exporter.ts';

/** The agent's default GETBULK max-repetitions (target-schema.ts); every poller here uses the same. */
const MAX_REP = 25;
const TARGET_RATIO = 1.2;

interface SizeResult { ports: number; interfaces: number; warm: Stats[]; idle: Stats[]; refs: Stats[]; exporterMetrics: number }

async function measureSize(ports: number, ex: SnmpExporter, o: { rounds: number; idleRounds: number; gapMs: number; refRounds: number }): Promise<SizeResult> {
  const sw = await createSwitchNetns({ ports });
  try {
    const d = await startSnmpd(sw, { fastLinkTraps: false });
    const target = switchTargetSchema.parse({
      kind: 'snmp-switch', name: 'bench', host: d.host, port: d.port, community: d.community,
      ports: 'all', timeoutMs: 5000, retries: 0, maxRepetitions: MAX_REP,
    });
    const inst = openSwitch(target, { log: silentLogger, now: Date.now });
    const ctx = { signal: new AbortController().signal, now: Date.now, log: silentLogger };
    const bare = bareWalk(d.host, d.port, d.community, STATUS_COLUMNS, SYS_UPTIME, MAX_REP);
    try {
      // First poll discovers the interfaces (walks names); later polls are the steady state.
      const readings = await inst.poll(ctx);
      const interfaces = readings.length;
      if (interfaces < ports) throw new Error(`snmpd shows ${interfaces} interfaces, expected at least ${ports}`);
      const varbinds = await bare.run();
      if (varbinds !== interfaces * STATUS_COLUMNS.length + 1) throw new Error(`bare walk returned ${varbinds} varbinds, expected ${interfaces * STATUS_COLUMNS.length + 1}`);

      const agentOp: Op = { name: 'agent full poll', run: () => inst.poll(ctx), cpu: selfCpu };
      const bareOp: Op = { name: 'bare net-snmp walk', run: () => bare.run(), cpu: selfCpu };
      // Warm-up: JIT, snmpd's cache, the sockets.
      await timeRounds([agentOp, bareOp], 20, 0, d.pid);
      const warm = await timeRounds([agentOp, bareOp], o.rounds, 0, d.pid);
      const idle = await timeRounds([agentOp, bareOp], o.idleRounds, o.gapMs, d.pid);

      const cli = ['-v2c', '-c', d.community, '-On', '-t', '5', '-r', '0'];
      const bulkwalk: Op = {
        name: `snmpbulkwalk ×${STATUS_COLUMNS.length} + snmpget`,
        async run() {
          for (const c of STATUS_COLUMNS) await timeCli('snmpbulkwalk', [...cli, `-Cr${MAX_REP}`, d.host, c]);
          await timeCli('snmpget', [...cli, d.host, SYS_UPTIME]);
        },
        cpu: reapedChildrenCpuSeconds,
      };
      const startup: Op = { name: 'snmpget sysUpTime (start-up)', run: () => timeCli('snmpget', [...cli, d.host, SYS_UPTIME]), cpu: reapedChildrenCpuSeconds };
      const exCpu = (): number => procCpuSeconds(ex.pid) ?? NaN;
      const ifMib: Op = { name: 'snmp_exporter if_mib', run: () => ex.scrape(d.host, 'if_mib'), cpu: exCpu };
      const status: Op = { name: 'snmp_exporter dcprobe_status', run: () => ex.scrape(d.host, 'dcprobe_status'), cpu: exCpu };
      await timeRounds([bulkwalk, startup, ifMib, status], 2, 0, d.pid);
      const refs = await timeRounds([bulkwalk, startup, ifMib, status], o.refRounds, 0, d.pid);
      return { ports, interfaces, warm, idle, refs, exporterMetrics: ex.metrics('if_mib') };
    } finally {
      inst.close();
      bare.close();
      await d.stop();
    }
  } finally {
    await sw.destroy();
  }
}

export async function snmpPoll(opts: BenchOptions): Promise<Table[]> {
  const o = opts.quick
    ? { rounds: 30, idleRounds: 4, gapMs: 1000, refRounds: 4 }
    : { rounds: 200, idleRounds: 8, gapMs: 1000, refRounds: 10 };
  const ex = await startSnmpExporter();
  const results: SizeResult[] = [];
  try {
    for (const ports of [48, 500]) results.push(await measureSize(ports, ex, o));
  } finally {
    await ex.stop();
  }
  return render(results, o);
}

function render(results: SizeResult[], o: { rounds: number; idleRounds: number; gapMs: number; refRounds: number }): Table[] {
  const rows: Cell[][] = [];
  for (const r of results) {
    const bare = r.warm[1]!;
    const startup = r.refs[1]!;
    const line = (phase: string, s: Stats, extra = ''): Cell[] => [
      `${r.ports} (${r.interfaces})`, `${s.name}${extra}`, phase, fmtNum(s.p50, 2), fmtNum(s.p90, 2), fmtNum(s.mean, 2),
      fmtNum(s.cpuMs, 2), fmtNum(s.serverCpuMs, 1), fmtRatio(s.p50 / bare.p50),
    ];
    rows.push(line('warm', r.warm[0]!), line('warm', r.warm[1]!));
    rows.push(line(`idle ${o.gapMs / 1000} s`, r.idle[0]!), line(`idle ${o.gapMs / 1000} s`, r.idle[1]!));
    rows.push(line('—', r.refs[0]!));
    // Medians only: one slow process start in the mean would make the difference meaningless.
    // One process per column and one snmpget; snmpd answers the trivial GET in well under a millisecond.
    const processes = STATUS_COLUMNS.length + 1;
    const net = { ...r.refs[0]!, p50: r.refs[0]!.p50 - processes * startup.p50, p90: NaN, mean: NaN, cpuMs: NaN, serverCpuMs: NaN };
    rows.push(line('—', net, `, less ${processes} start-ups (p50s)`));
    rows.push(line('—', startup));
    rows.push(line('—', r.refs[2]!, ` (${r.exporterMetrics} metrics)`), line('—', r.refs[3]!));
  }
  const verdict = results.map((r) => {
    const ratio = r.warm[0]!.p50 / r.warm[1]!.p50;
    return `${r.ports} ports: ${fmtRatio(ratio)} (${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`;
  }).join('; ');
  return [{
    title: 'snmp-poll: one full poll of every port vs reference pollers, same snmpd in a namespace (ports (interfaces incl. lo and uplink))',
    columns: ['ports', 'poller', 'phase', 'p50 ms', 'p90 ms', 'mean ms', 'poller CPU ms', 'snmpd CPU ms', 'p50 ÷ bare warm p50'],
    rows,
    notes: [
      `Target: agent full poll within ${TARGET_RATIO}× of the bare walk (warm p50): ${verdict}.`,
      `warm: ${o.rounds} runs each, agent and bare walk interleaved back to back after 20 warm-up rounds; idle: ${o.idleRounds} runs each, ${o.gapMs} ms of sleep before every run.`,
      `References: ${o.refRounds} runs each, interleaved. GETBULK max-repetitions ${MAX_REP} for every poller (the agent's default and snmp_exporter's).`,
      'poller CPU: the agent and bare walk in this process (process.cpuUsage); snmpbulkwalk/snmpget: the reaped children\'s CPU; snmp_exporter: its process (/proc, 10 ms ticks).',
      'snmpd CPU: snmpd\'s own CPU during the run (/proc, 10 ms ticks, averaged). snmpd reloads its ifTable cache when older than ~3 s, which a run pays in full when it hits it (p90, mean).',
    ],
  }];
}
