/**
 * The agent's CPU and memory while it polls 2,000 simulated switches of 48
 * access ports (+2 uplinks each: 100,000 ports) every 10 s, with its default
 * request settings. Three processes, so each figure is one party's own:
 *   - the simulated switches (bench/lib/snmp-sims-child.ts: the light SNMPv2c responder of
 *     bench/lib/fleet-sim.ts, one UDP port each on loopback);
 *   - the agent (bench/lib/snmp-agent-child.ts: startAgent, real outbox in a temp dir);
 *   - the collector (bench/lib/snmp-collector-child.ts: startCollector, SQLite FULL).
 * After the initial states of every port have reached the collector and a
 * warm-up, the agent's process.cpuUsage() and RSS (sampled every 0.5 s) are
 * taken over the measured window.
 *
 *   npm run bench -- --only snmp-fleet [--quick]                    agent as agent/bin runs it: esbuild bundle, plain node, agent/src/v8-flags.ts
 *   DCPROBE_BENCH_FLEET_SWITCHES=200 …                               another fleet size (default 2,000)
 *   DCPROBE_BENCH_AGENT=tsx npm run bench -- --only snmp-fleet       agent from the TypeScript sources through tsx (the bin's fallback)
 *   DCPROBE_AGENT_V8_FLAGS='' …                                      without the agent's V8 heap flags
 *   DCPROBE_BENCH_AGENT_NODE_ARGS='--max-semi-space-size=1' …         extra node flags for the agent process
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/child.ts';
import { machineBusySeconds, sleep, type Usage } from './lib/measure.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtInt, fmtNum, type Table } from './lib/table.ts';
import type { PollStats } from './lib/snmp-agent-child.ts';
import { startBundledAgentChild } from './lib/snmp-bundle.ts';

type AgentUsage = Usage & { userSeconds: number; systemSeconds: number };
import { waitUntil } from '../test/support/wait.ts';

const SIMS = fileURLToPath(new URL('./lib/snmp-sims-child.ts', import.meta.url));
const AGENT = fileURLToPath(new URL('./lib/snmp-agent-child.ts', import.meta.url));
const COLLECTOR = fileURLToPath(new URL('./lib/snmp-collector-child.ts', import.meta.url));

const SWITCHES = Number(process.env.DCPROBE_BENCH_FLEET_SWITCHES ?? 2000);
const PORTS = 48;
/** Interfaces per simulated switch: the access ports and two uplinks (sim/switch.ts). */
const IFS = PORTS + 2;
const INTERVAL_S = 10;
/** Switches that flap a port every FLAP_MS: ~1 state change a second across the fleet. */
const FLAPPING = Math.max(1, Math.round(SWITCHES / 20));
const FLAP_MS = 10_000;
const TOKEN = 'bench-fleet-agent-token-0123456789';
const TARGET = { cores: 0.2, rssMB: 150 };

export async function snmpFleet(opts: BenchOptions): Promise<Table[]> {
  const measureS = opts.quick ? 20 : 60;
  const warmS = 10;
  // By default the agent runs as agent/bin runs it: an esbuild bundle under plain node (the same build
  // options as scripts/build.mjs), its V8 flags set by agent/src/v8-flags.ts, which the child imports
  // first as the CLI entry does. DCPROBE_BENCH_AGENT=tsx: the bin's fallback (TypeScript through tsx);
  // DCPROBE_BENCH_AGENT_NODE_ARGS adds node flags.
  const variant = process.env.DCPROBE_BENCH_AGENT === 'tsx' ? 'tsx' : 'bundle';
  const nodeArgs = (process.env.DCPROBE_BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const sims = Child.start('sims', SIMS);
  const collector = Child.start('collector', COLLECTOR);
  const bundled = variant === 'bundle' ? await startBundledAgentChild('agent (bundle)', nodeArgs) : null;
  const agent = bundled?.child ?? Child.start('agent', AGENT, nodeArgs);
  const how = `${variant === 'bundle' ? 'esbuild bundle, plain node, as agent/bin runs it' : 'tsx, the bin\'s fallback'}${nodeArgs.length ? `, ${nodeArgs.join(' ')}` : ''}`;
  try {
    const { ports } = await sims.call<{ ports: number[] }>('start', { switches: SWITCHES, ports: PORTS, flapping: FLAPPING, flapEveryMs: FLAP_MS }, 120_000);
    // One agent owning 100,000 ports is past the collector's default bound on subjects per agent (10,000).
    const { wsUrl } = await collector.call<{ wsUrl: string }>('start', { agents: [{ id: 'fleet', token: TOKEN }], record: false, subjectsPerAgent: SWITCHES * IFS });
    const t0 = performance.now();
    await agent.call('start', {
      config: {
        agentId: 'fleet', collectors: [wsUrl], token: TOKEN, logLevel: 'error',
        targets: ports.map((port, i) => ({
          kind: 'snmp-switch', name: `sw${String(i + 1).padStart(3, '0')}`, host: '127.0.0.1', port, version: '2c', community: 'public',
          intervalSeconds: INTERVAL_S, ports: 'all',
        })),
      },
      record: false,
    });
    // Every port's initial state committed at the collector: discovery done everywhere, the outbox and link busy once.
    let seen = 0;
    await waitUntil('initial states of every port at the collector',
      async () => (seen = await collector.call<number>('count')) >= SWITCHES * IFS, { timeoutMs: 120_000, intervalMs: 250 })
      .catch(async (e: unknown) => {
        const st = await agent.call<PollStats>('stats');
        throw new Error(`${(e as Error).message}: ${fmtInt(seen)} of ${fmtInt(SWITCHES * IFS)} ports committed; agent polls ${st.polls}, failed ${st.errors}`);
      });
    const initialS = (performance.now() - t0) / 1000;
    await sleep(warmS * 1000);

    const busy0 = machineBusySeconds();
    const profile = opts.profileDir ? join(opts.profileDir, `snmp-fleet-agent-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`) : undefined;
    await Promise.all([agent.call('mark', { profile }), sims.call('mark'), collector.call('mark')]);
    const rows0 = await collector.call<number>('count');
    await sleep(measureS * 1000);
    const [a, s, c] = await Promise.all([agent.call<AgentUsage>('usage'), sims.call<Usage>('usage'), collector.call<Usage>('usage')]);
    const st = await agent.call<PollStats>('stats');
    const rows1 = await collector.call<number>('count');
    const busy1 = machineBusySeconds();
    const other = busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - a.cpuSeconds - s.cpuSeconds - c.cpuSeconds);

    const expectedPolls = (SWITCHES * measureS) / INTERVAL_S;
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    return [{
      title: `snmp-fleet: ${SWITCHES} simulated switches × ${IFS} interfaces (${fmtInt(SWITCHES * IFS)} ports) every ${INTERVAL_S} s, ${measureS} s measured after warm-up`,
      columns: ['process', 'CPU s', '% of one core', 'CPU ms per poll', 'peak RSS MB', 'RSS MB at end', 'heap used MB'],
      rows: [
        [`agent (startAgent, own process; ${how})`, fmtNum(a.cpuSeconds, 2), fmtNum(a.cores * 100, 2), fmtNum((a.cpuSeconds * 1000) / Math.max(1, st.polls), 2),
          fmtNum(a.peakRssMB, 0), fmtNum(a.rssMB, 0), fmtNum(a.heapUsedMB, 0)],
        ['simulated switches (bench/lib/fleet-sim.ts)', fmtNum(s.cpuSeconds, 2), fmtNum(s.cores * 100, 1), fmtNum((s.cpuSeconds * 1000) / Math.max(1, st.polls), 2),
          fmtNum(s.peakRssMB, 0), fmtNum(s.rssMB, 0), fmtNum(s.heapUsedMB, 0)],
        ['collector (SQLite FULL)', fmtNum(c.cpuSeconds, 2), fmtNum(c.cores * 100, 1), null, fmtNum(c.peakRssMB, 0), fmtNum(c.rssMB, 0), fmtNum(c.heapUsedMB, 0)],
        ['other processes on the machine', other === null ? null : fmtNum(other, 1), other === null ? null : fmtNum((other / a.wallSeconds) * 100, 0), null, null, null, null],
      ],
      notes: [
        `Targets: agent under ${TARGET.cores * 100} % of one core: ${fmtNum(a.cores * 100, 2)} % (${met(a.cores < TARGET.cores)}); under ${TARGET.rssMB} MB: peak RSS ${fmtNum(a.peakRssMB, 0)} MB (${met(a.peakRssMB < TARGET.rssMB)}).`,
        `Agent CPU split: user ${fmtNum(a.userSeconds, 2)} s, system ${fmtNum(a.systemSeconds, 2)} s. Agent memory at the end: RSS ${fmtNum(a.rssMB, 0)} MB = V8 heap ${fmtNum(a.heapTotalMB, 0)} MB committed (${fmtNum(a.heapUsedMB, 0)} used) + external ${fmtNum(a.externalMB, 0)} MB + ${fmtNum(a.rssMB - a.heapTotalMB - a.externalMB, 0)} MB the rest (node, code, native allocations).`,
        `Polls completed in the window: ${fmtInt(st.polls)} (expected ~${fmtInt(expectedPolls)}), failed: ${st.errors}; mean poll ${fmtNum(st.pollMsSum / Math.max(1, st.polls), 1)} ms, slowest ${fmtNum(st.pollMsMax, 0)} ms.`,
        `Events committed in the window: ${fmtInt(rows1 - rows0)} (${FLAPPING} switches flap a port every ${FLAP_MS / 1000} s). Initial states of all ${fmtInt(SWITCHES * IFS)} ports at the collector ${fmtNum(initialS, 1)} s after start; then ${warmS} s of warm-up.`,
        'Agent defaults otherwise: concurrency 16, maxVarbinds 48, GETBULK max-repetitions 25 (23 for the 2 status columns with sysUpTime riding along, under the cap), jitter ±10 %; all ports selected, so each poll is one multi-column walk carrying sysUpTime, plus ifAdminStatus GETs of the ports that moved.',
        ...(profile ? [`PROFILED run (the profiler's sampling inflates the agent's CPU): ${profile}`] : []),
        'CPU is process.cpuUsage() of each process (user + system, libuv threads included); RSS sampled every 0.5 s in the agent. "other processes": the machine\'s busy time minus these three.',
      ],
    }];
  } finally {
    await Promise.all([agent.stop(), collector.stop(), sims.stop()]);
    bundled?.cleanup();
  }
}
