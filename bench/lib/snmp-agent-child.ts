/**
 * The agent for the SNMP benchmarks, in a process of its own so the CPU and
 * memory it reports are the agent's alone: startAgent (real outbox in a
 * temporary data dir, real link to the collector) with the snmp-switch source
 * wrapped to count polls and, with `record`, to note when each poll's answer
 * was complete (the source's poll resolved: last response parsed, readings
 * built) and which ports it saw change. Wall-clock times with sub-millisecond
 * resolution, comparable across the bench's processes.
 *
 * Commands: start { config (agent YAML as an object, dataDir filled in), record } → { trapPort };
 * polls → recorded polls since the last call; outboxCalls → recorded outbox append/read calls; stats → poll counts; mark { profile? } / usage (startUsage, and a CPU profile of the window into that file); memory; clock.
 */
// First, as in the agent's CLI entry: the heap flags the agent runs with.
import '../../agent/src/v8-flags.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { join } from 'node:path';
import { startAgent, type AgentHandle } from '../../agent/src/agent.ts';
import { buildConfig } from '../../agent/src/config.ts';
import { makeLogger } from '../../agent/src/log.ts';
import { SOURCES } from '../../agent/src/sources/index.ts';
import type { PollContext, Reading, SourceKind, TargetBase } from '../../agent/src/sources/types.ts';
import { serveRequests } from './child.ts';
import { collectGarbage, memory, startUsage } from './measure.ts';
import { startProfile } from './profiler.ts';

export interface PollRecord { target: string; endAt: number; ms: number; changes: { subject: string; state: string }[] }
/** One outbox call inside the agent (with `record`): when it was made and when it resolved. */
export interface OutboxCall { op: 'append' | 'read'; calledAt: number; doneAt: number; subjects: string[] }
export interface PollStats { polls: number; errors: number; pollMsSum: number; pollMsMax: number }

const wallNow = (): number => performance.timeOrigin + performance.now();

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-bench-agent-'));
let agent: AgentHandle | null = null;
let record = false;
let polls: PollRecord[] = [];
let outboxCalls: OutboxCall[] = [];
const stats: PollStats = { polls: 0, errors: 0, pollMsSum: 0, pollMsMax: 0 };
const lastState = new Map<string, string>();
let usage = startUsage(500);
let cpu0 = process.cpuUsage();
let profile: { file: string; session: Awaited<ReturnType<typeof startProfile>> } | null = null;

/** The registered snmp-switch kind with each instance's poll() timed; the instance itself stays the real one (trap mapping checks its class). */
function timedSwitchKind(): SourceKind<TargetBase> {
  const base = SOURCES['snmp-switch']!;
  return {
    ...base,
    open(target, deps) {
      const inst = base.open(target, deps);
      const poll = inst.poll.bind(inst);
      inst.poll = async (ctx: PollContext): Promise<Reading[]> => {
        const t0 = performance.now();
        let readings: Reading[];
        try {
          readings = await poll(ctx);
        } catch (e) {
          stats.errors++;
          throw e;
        }
        const end = performance.now();
        stats.polls++;
        stats.pollMsSum += end - t0;
        stats.pollMsMax = Math.max(stats.pollMsMax, end - t0);
        if (record) {
          const changes: PollRecord['changes'] = [];
          for (const r of readings) {
            const state = String(r.state);
            if (lastState.get(r.subject) !== state) changes.push({ subject: r.subject, state });
            lastState.set(r.subject, state);
          }
          polls.push({ target: target.name, endAt: performance.timeOrigin + end, ms: end - t0, changes });
        }
        return readings;
      };
      return inst;
    },
  };
}

serveRequests({
  async start(a: { config: Record<string, unknown>; record: boolean; logLevel?: string }) {
    record = a.record;
    const config = buildConfig({ ...a.config, dataDir: join(dir, 'data') });
    agent = await startAgent(config, {
      log: makeLogger(a.logLevel ?? 'error'), processMetrics: false,
      sources: { ...SOURCES, 'snmp-switch': timedSwitchKind() },
    });
    if (record) {
      // The outbox instance's own methods, wrapped: record() and the link call them on this object.
      const ob = agent.outbox;
      const append = ob.append.bind(ob);
      ob.append = (events) => {
        const calledAt = wallNow();
        return append(events).then((seq) => {
          outboxCalls.push({ op: 'append', calledAt, doneAt: wallNow(), subjects: events.map((e) => `${e.subject} ${'state' in e ? e.state : e.kind}`) });
          return seq;
        });
      };
      const read = ob.read.bind(ob);
      ob.read = (after, maxEvents, maxBytes) => {
        const calledAt = wallNow();
        return read(after, maxEvents, maxBytes).then((lines) => {
          if (lines.length) {
            outboxCalls.push({ op: 'read', calledAt, doneAt: wallNow(), subjects: lines.map((l) => { const e = JSON.parse(l) as { subject: string; state: string }; return `${e.subject} ${e.state}`; }) });
          }
          return lines;
        });
      };
    }
    return { trapPort: agent.trapPort ?? null };
  },
  polls() {
    const out = polls;
    polls = [];
    return out;
  },
  outboxCalls() {
    const out = outboxCalls;
    outboxCalls = [];
    return out;
  },
  stats: () => ({ ...stats }),
  /** Hi-res wall clock minus Date.now(): how far this process's sub-millisecond clock is off the system's. */
  clock: () => wallNow() - Date.now(),
  async mark(a: { profile?: string } = {}) {
    if (a.profile) profile = { file: a.profile, session: await startProfile() };
    usage = startUsage(500);
    cpu0 = process.cpuUsage();
    Object.assign(stats, { polls: 0, errors: 0, pollMsSum: 0, pollMsMax: 0 });
  },
  async usage() {
    const c = process.cpuUsage(cpu0);
    const u = { ...usage.stop(), now: wallNow(), userSeconds: c.user / 1e6, systemSeconds: c.system / 1e6 };
    if (profile) { await profile.session.stop(profile.file); profile = null; }
    return u;
  },
  /** V8's heap spaces (MB used / committed), for telling live data from a grown young generation. */
  heapSpaces: () => v8.getHeapSpaceStatistics().map((h) => ({ space: h.space_name, usedMB: h.space_used_size / 2 ** 20, sizeMB: h.space_size / 2 ** 20 })),
  /** A heap snapshot into `file` (what a large agent's memory is made of). */
  heapSnapshot: (a: { file: string }) => v8.writeHeapSnapshot(a.file),
  /** Memory now; after a full GC when the process runs with --expose-gc (live objects only). */
  memory: () => ({ gc: collectGarbage(), ...memory() }),
}, async () => {
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});
