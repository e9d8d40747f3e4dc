/**
 * One full poll of a real recorded device that answers at most 64 varbinds a
 * response: Debian snmpsim's `cisco_16_switch` recording (a Cisco 3750 stack,
 * 59 interfaces) replayed by snmpsimd on loopback (test/e2e/fixtures/snmpsim.ts),
 * polled by the agent with its DEFAULT request settings (maxVarbinds 48,
 * GETBULK max-repetitions 25, bulk auto), beside `snmpbulkwalk` of the same
 * columns with each process's start-up taken off:
 *   - steady poll (every interval): sysUpTime + ifOperStatus/ifLastChange of
 *     every interface, against `snmpbulkwalk` of each column plus `snmpget` of
 *     sysUpTime;
 *   - first poll (discovery, then the steady reads and every port's
 *     ifAdminStatus), against `snmpget` of sysUpTime plus `snmpbulkwalk` of
 *     each column it reads.
 * Process start-up: a one-varbind `snmpget` less the same GET made in process
 * against the same snmpsimd (lessStartups in bench/lib/snmp-ref.ts), so
 * snmpsimd's own answer time is not taken off as if it were start-up.
 * snmpsimd serves one request at a time and is slow: several rounds,
 * interleaved, medians.
 *
 *   npm run bench -- --only snmp-capped [--quick]
 */
import { join } from 'node:path';
import { silentLogger } from '../agent/src/log.ts';
import { openSwitch, switchTargetSchema, type SwitchTarget } from '../agent/src/sources/snmp-switch.ts';
import { DISCOVERY_COLUMNS, IF, STATUS_COLUMNS, SYS_UPTIME } from '../agent/src/profiles/if-mib.ts';
import { openSnmp } from '../agent/src/snmp/client.ts';
import { toSnmpTarget } from '../agent/src/snmp/target-schema.ts';
import { EXAMPLES_DIR, startSnmpsim, type Snmpsim } from '../test/e2e/fixtures/snmpsim.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtNum, fmtRatio, type Cell, type Table } from './lib/table.ts';
import { lessStartups, reapedChildrenCpuSeconds, timeCli } from './lib/snmp-ref.ts';
import { selfCpu, timeRounds, type Op, type Stats } from './lib/rounds.ts';

const COMMUNITY = 'cisco_16_switch';
const RECORDING = join(EXAMPLES_DIR, `${COMMUNITY}.snmprec.gz`);
const INTERFACES = 59;
const TARGET_RATIO = 2;
/** snmpbulkwalk's max-repetitions: the agent's configured default; one column of 25 stays under the device's 64. */
const CLI_REPS = 25;
/** What the first poll reads with its walks, in the agent's order. */
const FIRST_POLL_COLUMNS = [...DISCOVERY_COLUMNS, ...STATUS_COLUMNS, IF.ifAdminStatus];

const ctx = () => ({ signal: new AbortController().signal, now: Date.now, log: silentLogger });

/** The agent's switch target for the recording, every request setting left at its default. */
function defaultTarget(sim: Snmpsim): SwitchTarget {
  return switchTargetSchema.parse({ kind: 'snmp-switch', name: 'cisco-3750', host: sim.host, port: sim.port, community: COMMUNITY, ports: 'all' });
}

/** `snmpget` of sysUpTime then `snmpbulkwalk` of each column, one process each, as a script would. */
function cliChain(sim: Snmpsim, name: string, columns: readonly string[], withGet: boolean): Op {
  const cli = ['-v2c', '-c', COMMUNITY, '-On', '-t', '5', '-r', '0'];
  const at = `${sim.host}:${sim.port}`;
  return {
    name,
    async run() {
      if (withGet) await timeCli('snmpget', [...cli, at, SYS_UPTIME]);
      for (const c of columns) {
        const { lines } = await timeCli('snmpbulkwalk', [...cli, `-Cr${CLI_REPS}`, at, c]);
        if (lines < INTERFACES) throw new Error(`snmpbulkwalk of ${c} returned ${lines} rows, expected ${INTERFACES}`);
      }
    },
    cpu: reapedChildrenCpuSeconds,
  };
}

interface Result { steady: Stats[]; first: Stats[]; startup: Stats[]; repetitions: number[] }

async function measure(sim: Snmpsim, o: { rounds: number; firstRounds: number }): Promise<Result> {
  const target = defaultTarget(sim);
  const repetitions: number[] = [];
  const inst = openSwitch(target, { log: silentLogger, now: Date.now, snmpMaxRepetitions: (n) => repetitions.push(n) });
  const probe = openSnmp(toSnmpTarget(target));
  try {
    const readings = await inst.poll(ctx());
    if (readings.length !== INTERFACES) throw new Error(`the agent read ${readings.length} interfaces, expected ${INTERFACES}`);
    const at = `${sim.host}:${sim.port}`;
    const cliGet: Op = { name: '`snmpget` sysUpTime', run: () => timeCli('snmpget', ['-v2c', '-c', COMMUNITY, '-On', '-t', '5', '-r', '0', at, SYS_UPTIME]), cpu: reapedChildrenCpuSeconds };
    const inGet: Op = { name: 'the same GET in process', run: () => probe.get([SYS_UPTIME]), cpu: selfCpu };
    const steadyOps: Op[] = [
      { name: 'agent poll', run: () => inst.poll(ctx()), cpu: selfCpu },
      cliChain(sim, `\`snmpget\` + \`snmpbulkwalk\` ×${STATUS_COLUMNS.length}`, STATUS_COLUMNS, true),
    ];
    const firstOps: Op[] = [
      {
        name: 'agent first poll (new instance)',
        async run() {
          const fresh = openSwitch(target, { log: silentLogger, now: Date.now });
          try { await fresh.poll(ctx()); } finally { fresh.close(); }
        },
        cpu: selfCpu,
      },
      cliChain(sim, `\`snmpget\` + \`snmpbulkwalk\` ×${FIRST_POLL_COLUMNS.length}`, FIRST_POLL_COLUMNS, true),
    ];
    // Warm-up: JIT, snmpsimd's index and caches.
    await timeRounds([...steadyOps, cliGet, inGet], 3, 0, sim.pid);
    const steady = await timeRounds(steadyOps, o.rounds, 0, sim.pid);
    const startup = await timeRounds([cliGet, inGet], o.rounds, 0, sim.pid);
    const first = await timeRounds(firstOps, o.firstRounds, 0, sim.pid);
    return { steady, first, startup, repetitions };
  } finally {
    inst.close();
    probe.close();
  }
}

export async function snmpCapped(opts: BenchOptions): Promise<Table[]> {
  const o = opts.quick ? { rounds: 10, firstRounds: 4 } : { rounds: 40, firstRounds: 15 };
  const sim = await startSnmpsim([{ community: COMMUNITY, from: RECORDING }]);
  try {
    return render(await measure(sim, o), o);
  } finally {
    await sim.stop();
  }
}

function render(r: Result, o: { rounds: number; firstRounds: number }): Table[] {
  const [cliGet, inGet] = r.startup as [Stats, Stats];
  const rows: Cell[][] = [];
  const verdicts: string[] = [];
  const line = (poll: string, s: Stats, ref: number): Cell[] => [
    poll, s.name, fmtNum(s.p50, 1), fmtNum(s.p90, 1), fmtNum(s.mean, 1), fmtNum(s.cpuMs, 1), fmtNum(s.serverCpuMs, 0), fmtRatio(s.p50 / ref),
  ];
  // Each chain: one snmpget and one snmpbulkwalk per column.
  const polls = [['steady', r.steady, STATUS_COLUMNS.length + 1], ['first', r.first, FIRST_POLL_COLUMNS.length + 1]] as const;
  for (const [poll, [agent, chain], processes] of polls) {
    const { startupMs, netMs } = lessStartups(chain!.wall, processes, cliGet.wall, inGet.wall);
    const net: Stats = { ...chain!, name: `${chain!.name}, less ${processes} start-ups of ${fmtNum(startupMs, 1)} ms`, p50: netMs, p90: NaN, mean: NaN, cpuMs: NaN, serverCpuMs: NaN };
    rows.push(line(poll, agent!, netMs), line(poll, chain!, netMs), line(poll, net, netMs));
    const ratio = agent!.p50 / netMs;
    verdicts.push(`${poll} poll ${fmtRatio(ratio)} (${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`);
  }
  rows.push(line('start-up', cliGet, NaN), line('start-up', inGet, NaN));
  return [{
    title: `snmp-capped: one full poll of a recorded Cisco 3750 stack (${INTERFACES} interfaces) replayed by snmpsimd, 64 varbinds a response at most; agent with default settings vs snmpbulkwalk of the same columns`,
    columns: ['poll', 'poller', 'p50 ms', 'p90 ms', 'mean ms', 'poller CPU ms', 'snmpsimd CPU ms', 'p50 ÷ CLI less start-ups'],
    rows,
    notes: [
      `Target: the agent's poll within ${TARGET_RATIO}× of snmpbulkwalk of the same columns less process start-ups (p50s): ${verdicts.join('; ')}.`,
      `Start-up of one Net-SNMP process: p50 of \`snmpget\` sysUpTime (${fmtNum(cliGet.p50, 1)} ms) less p50 of the same GET made in process (${fmtNum(inGet.p50, 1)} ms), interleaved against the same snmpsimd.`,
      `Agent GETBULK max-repetitions in use: ${r.repetitions.join(' → ') || '–'} (defaults: maxVarbinds 48, max-repetitions 25, bulk auto; 2 columns + sysUpTime a request).`,
      `Rounds, interleaved after 3 of warm-up: steady ${o.rounds}, start-up ${o.rounds}, first poll ${o.firstRounds}. snmpbulkwalk -Cr${CLI_REPS}, one process per column (it takes one OID).`,
      'poller CPU: the agent in this process (process.cpuUsage); the CLI: reaped children\'s CPU. snmpsimd CPU: its own (/proc, 10 ms ticks, averaged).',
    ],
  }];
}
