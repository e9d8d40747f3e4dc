/**
 * The collector's ingest benchmark. Three phases with identical batches,
 * each in fresh processes, in one run:
 *   (a) raw ws: a bare ws server that parses and acks (the transport limit);
 *   (b) SQLite alone: the SQLite store's own insert (store/sqlite/rows.ts) of the same rows,
 *       one transaction per batch (the storage limit);
 *   (c) the collector: startCollector on a temp file, 50 agents acking after commit;
 *   (d) full runs only: the collector at synchronous=NORMAL, to price the fsync.
 * Then memory with 500 connected agents. Durability: synchronous=FULL (WAL),
 * so an acked event survives power loss.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/child.ts';
import { machineBusySeconds, sleep, type Usage } from './lib/measure.ts';
import { fmtInt, fmtNum, fmtRatio, type Table } from './lib/table.ts';
import type { BenchOptions } from './lib/section.ts';
import { eventJson, eventObject } from './lib/events.ts';
import type { RunResult } from './load-agents.ts';
import type { CatchUp } from './ingest-server.ts';

const SERVER = fileURLToPath(new URL('./ingest-server.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('./load-agents.ts', import.meta.url));

const AGENTS = 50;
const BATCH = 100;
/** Unacked batches per agent: enough to keep the pipe full across a commit, small like a real agent's. */
const WINDOW = 4;
const SYNC = 'FULL' as const;
/** Below saturation: each agent sends a batch every 500 ms, i.e. 50 × 100 × 2 = 10,000 events/s offered. */
const PACE_EVERY_MS = 500;
const TARGET = { eventsPerSecond: 100_000, ofSqlite: 0.5, rssMBAt500: 300 };
/** Phase (e): a journal bound the measured run passes within its first second. */
const SUSTAINED_BOUND = 50_000;

interface Budget { maxEvents: number; maxMs: number; warmEvents: number; warmMs: number }
const budget = (quick: boolean): Budget => (quick
  ? { maxEvents: 300_000, maxMs: 3_000, warmEvents: 50_000, warmMs: 1_000 }
  : { maxEvents: 2_000_000, maxMs: 10_000, warmEvents: 200_000, warmMs: 2_000 });

interface Phase {
  name: string; events: number; seconds: number; rate: number;
  server: { cpuSeconds: number; cores: number; peakRssMB: number } | null; load: Usage | null;
  /** CPU seconds other programs on the machine used during the measured run. */
  other: number | null;
  p50: number; p99: number;
  /** (b) only: the COMMIT statement alone (the WAL fsync), ms. */
  commit?: { p50: number; p99: number };
}

/** Where the measured window of a phase is profiled, when --profile is given. */
function profileFile(o: BenchOptions, tag: string): string | undefined {
  return o.profileDir ? join(o.profileDir, `${tag}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`) : undefined;
}

/** The load generator's template must produce exactly what JSON.stringify would, or (b) and (c) would differ. */
function checkSameEvents(): void {
  for (const [a, s] of [[0, 1], [7, 193], [49, 12_345]] as const) {
    if (eventJson(a, s) !== JSON.stringify(eventObject(a, s))) throw new Error(`bench event generator mismatch at agent ${a} seq ${s}`);
  }
}

/** (a) and (c): a server process, a load process with 50 agents, a warm-up, then the measured run. */
async function overWs(o: BenchOptions, kind: 'raw' | 'collector', b: Budget, sync: 'FULL' | 'NORMAL' = SYNC, pacedMs = 0, maxPending?: number): Promise<Phase & { stored: number | null; errors: string[]; calm: RunResult | null; catchUp: CatchUp | null }> {
  const server = Child.start(`${kind} server`, SERVER);
  const load = Child.start('load generator', LOAD);
  try {
    const { wsUrl } = await server.call<{ wsUrl: string }>(kind, { agents: AGENTS, synchronous: sync, ...(maxPending ? { maxPending } : {}) });
    await load.call('connect', { wsUrl, agents: AGENTS });
    await load.call<RunResult>('run', { batchSize: BATCH, window: WINDOW, maxEvents: b.warmEvents, maxMs: b.warmMs });
    const busy0 = machineBusySeconds();
    await server.call('mark', { profile: profileFile(o, `${kind}-${sync.toLowerCase()}`) });
    const r = await load.call<RunResult>('run', { batchSize: BATCH, window: WINDOW, maxEvents: b.maxEvents, maxMs: b.maxMs }, b.maxMs + 30_000);
    const s = await server.call<Usage & { stored: number | null; catchUp: CatchUp | null }>('report', {}, 120_000);
    const busy1 = machineBusySeconds();
    // Then the latency an operator sees: the same agents well below saturation.
    const calm = pacedMs ? await load.call<RunResult>('paced', { batchSize: BATCH, everyMs: PACE_EVERY_MS, ms: pacedMs }, pacedMs + 30_000) : null;
    await load.call('close');
    if (!r.drained || (calm && !calm.drained)) throw new Error(`${kind}: acks still outstanding 10 s after the run stopped`);
    return {
      name: kind === 'raw' ? '(a) raw ws, no storage'
        : maxPending ? `(e) collector, synchronous=${sync}, sustained: journal bound ${fmtInt(maxPending)} events`
          : sync === SYNC ? `(c) collector, synchronous=${sync}, burst` : `(d) collector, synchronous=${sync} (not durable, for comparison)`,
      events: r.events, seconds: r.seconds, rate: r.eventsPerSecond,
      server: { cpuSeconds: s.cpuSeconds, cores: s.cores, peakRssMB: s.peakRssMB },
      load: r.usage, p50: r.p50Ms, p99: r.p99Ms, stored: s.stored, errors: [...r.errors, ...(calm?.errors ?? [])], calm, catchUp: s.catchUp,
      // busy1 is read after the report, whose catch-up CPU is the server's own (counted apart).
      other: busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - s.cpuSeconds - r.usage.cpuSeconds - (s.catchUp?.cpuSeconds ?? 0)),
    };
  } finally {
    await Promise.all([load.stop(), server.stop()]);
  }
}

/** (b): the same rows through the collector's store, in its own process, no network. */
async function sqliteAlone(o: BenchOptions, b: Budget): Promise<Phase> {
  const server = Child.start('sqlite alone', SERVER);
  try {
    const r = await server.call<{
      events: number; seconds: number; cpuSeconds: number; rssMB: number; otherCpuSeconds: number | null;
      batchP50Ms: number; batchP99Ms: number; commitP50Ms: number; commitP99Ms: number;
    }>(
      'sqlite', { agents: AGENTS, batchSize: BATCH, maxEvents: b.maxEvents, maxMs: b.maxMs, synchronous: SYNC, profile: profileFile(o, 'sqlite') }, b.maxMs + 30_000);
    return {
      name: `(b) SQLite alone, synchronous=${SYNC}`, events: r.events, seconds: r.seconds, rate: r.events / r.seconds,
      server: { cpuSeconds: r.cpuSeconds, cores: r.cpuSeconds / r.seconds, peakRssMB: r.rssMB }, load: null, other: r.otherCpuSeconds,
      p50: r.batchP50Ms, p99: r.batchP99Ms, commit: { p50: r.commitP50Ms, p99: r.commitP99Ms },
    };
  } finally {
    await server.stop();
  }
}

export async function ingest(o: BenchOptions): Promise<Table[]> {
  checkSameEvents();
  const b = budget(o.quick);
  const a = await overWs(o, 'raw', b);
  const s = await sqliteAlone(o, b);
  const c = await overWs(o, 'collector', b, SYNC, o.quick ? 3_000 : 6_000);
  // What durability costs: the same collector without the fsync at each commit (full runs only).
  const d = o.quick ? null : await overWs(o, 'collector', b, 'NORMAL');
  // Sustained overload: a journal bound the run passes early, so acks go at the projection's pace.
  const e = await overWs(o, 'collector', b, SYNC, 0, SUSTAINED_BOUND);
  const phases = d ? [a, s, c, d, e] : [a, s, c, e];
  const perEvent = (p: Phase) => (p.server ? p.server.cpuSeconds / p.events * 1e6 : NaN);
  const ms = (v: number) => (Number.isFinite(v) ? fmtNum(v, 1) : null);
  const acksTrue = c.stored !== null && c.stored >= c.events;
  const throughput: Table = {
    title: `Ingest: ${AGENTS} agents on loopback, batches of ${BATCH} port events, window ${WINDOW} batches per agent, synchronous=${SYNC} (WAL)`,
    columns: ['phase', 'events', 'seconds', 'events/s', 'collector ÷ this', 'p50 ms', 'p99 ms'],
    rows: phases.map((p) => [p.name, fmtInt(p.events), fmtNum(p.seconds, 2), fmtInt(p.rate), fmtRatio(c.rate / p.rate), ms(p.p50), ms(p.p99)]),
    notes: [
      'events/s: events acked (a, c) or committed (b) ÷ seconds from the first send to the last ack; each phase runs in fresh processes after a warm-up.',
      '"collector ÷ this": the collector\'s rate as a share of each limit. Latency: frame sent → ack received per batch, at saturation (≈ events in flight ÷ rate); for (b), BEGIN → COMMIT returned.',
      ...(d ? ['(d) synchronous=NORMAL: commits are not fsynced, so acked events can be lost on power loss or an OS crash (not on a crash of the collector process); shown only to price durability.'] : []),
      '(c) burst: the measured run starts with the ingest journal projected (a collector at rest); what the run leaves in the journal is projected after it, timed below. (e): the journal bound is passed early, so commits wait for the projection: the rate a collector keeps up for good.',
      ...[c, e].map((p) => (p.catchUp ? `${p.name.slice(0, 3)} left ${fmtInt(p.catchUp.pending)} events to project after the run: ${fmtNum(p.catchUp.seconds, 2)} s, ${fmtNum(p.catchUp.cpuSeconds, 2)} CPU s (${fmtNum(p.catchUp.cpuSeconds / Math.max(1, p.catchUp.pending) * 1e6, 1)} µs/event); CPU µs/event of the run and its catch-up together: ${fmtNum((p.server!.cpuSeconds + p.catchUp.cpuSeconds) / p.events * 1e6, 1)}` : '')).filter(Boolean),
      `every acked event is in the store: ${acksTrue ? 'yes' : 'NO'} (${fmtInt(c.stored ?? 0)} rows stored incl. warm-up, ${fmtInt(c.events)} acked in the measured run, counted after the catch-up)`,
      ...(c.errors.length ? [`collector error frames: ${c.errors.join('; ')}`] : []),
    ],
  };
  const cost: Table = {
    title: 'Ingest: what each phase cost (server = the process measured; load = the agents\' process)',
    columns: ['phase', 'server CPU s', 'server cores', 'server CPU µs/event', 'events/s per free core', 'load CPU s', 'other procs CPU s', 'server peak RSS MB'],
    rows: phases.map((p) => [
      p.name, p.server ? fmtNum(p.server.cpuSeconds, 2) : null, p.server ? fmtNum(p.server.cores, 2) : null,
      fmtNum(perEvent(p), 1), fmtInt(1e6 / perEvent(p)),
      p.load ? fmtNum(p.load.cpuSeconds, 2) : null, p.other === null ? null : fmtNum(p.other, 2),
      p.server ? fmtNum(p.server.peakRssMB, 0) : null,
    ]),
    notes: [
      'server CPU: user + system seconds during the measured run (cores = CPU s ÷ s); µs/event is the cost of one event, the figure other load moves least.',
      '"events/s per free core" = 1,000,000 ÷ µs/event: what that process could do with one core all to itself (ignores waiting for fsync). The collector runs two busy threads (main and store writer), so with two free cores it could exceed this; the load generator shares the same two cores.',
      '"other procs CPU s": what the rest of the machine used meanwhile (/proc/stat); well above 0 means this run\'s rates are depressed by other programs.',
      `(b) one transaction per batch of ${BATCH} rows; its COMMIT (the WAL fsync) took p50 ${fmtNum(s.commit?.p50 ?? NaN, 2)} ms, p99 ${fmtNum(s.commit?.p99 ?? NaN, 2)} ms. The collector's group commit shares one fsync among all frames that arrived in the same turn.`,
    ],
  };
  const calm = c.calm!;
  const latency: Table = {
    title: `Ingest latency below saturation: the collector (synchronous=${SYNC}) with the same ${AGENTS} agents each sending one batch every ${PACE_EVERY_MS} ms`,
    columns: ['offered events/s', 'acked events/s', 'batches', 'p50 ms', 'p99 ms', 'max ms'],
    rows: [[fmtInt(AGENTS * BATCH * 1000 / PACE_EVERY_MS), fmtInt(calm.eventsPerSecond), fmtInt(calm.batches), ms(calm.p50Ms), ms(calm.p99Ms), ms(calm.maxMs)]],
    notes: ['frame sent → ack received; the ack follows the commit, so this includes the WAL fsync of the group commit.'],
  };
  const met = (ok: boolean) => (ok ? 'yes' : 'NO');
  const targets: Table = {
    title: 'Ingest targets',
    columns: ['target', 'required', 'measured', 'met', 'CPU-bound ceiling'],
    rows: [
      ['events/s committed before the ack, burst (c)', `≥ ${fmtInt(TARGET.eventsPerSecond)}`, fmtInt(c.rate), met(c.rate >= TARGET.eventsPerSecond), fmtInt(1e6 / perEvent(c))],
      ['events/s kept past the journal bound, sustained (e)', '(for reference)', fmtInt(e.rate), '–', fmtInt(1e6 / perEvent(e))],
      ['collector ÷ SQLite alone', `≥ ${TARGET.ofSqlite.toFixed(2)}×`, fmtRatio(c.rate / s.rate), met(c.rate / s.rate >= TARGET.ofSqlite), fmtRatio(perEvent(s) / perEvent(c))],
      ['collector ÷ raw ws', '(for reference)', fmtRatio(c.rate / a.rate), '–', fmtRatio(perEvent(a) / perEvent(c))],
    ],
    notes: [
      'CPU-bound ceiling: the same figure from CPU per event instead of wall time (what one core with no other load would allow, fsync waits aside).',
      "The target rate is (c): every event in it is fsync'd in the ingest journal before its ack. (e) is the pace of an overload with no end, set by the projection into the store's indexed tables.",
    ],
  };
  return [throughput, cost, latency, targets];
}

/** Memory with 500 connected agents: hello done, heartbeats flowing, a trickle of events. */
export async function ingestMemory(o: BenchOptions): Promise<Table[]> {
  const n = 500;
  const ms = o.quick ? 5_000 : 12_000;
  const server = Child.start('collector', SERVER, ['--expose-gc']);
  const load = Child.start('load generator', LOAD);
  type Mem = { rssMB: number; heapUsedMB: number; heapTotalMB: number; externalMB: number };
  try {
    // Heartbeat timeout 6 s → the collector asks for a heartbeat every 2 s.
    const { wsUrl } = await server.call<{ wsUrl: string }>('collector', { agents: n, synchronous: SYNC, heartbeatTimeoutSeconds: 6 });
    await sleep(500);
    const idle = await server.call<{ before: Mem; after: Mem | null }>('memory', { gc: true });
    const conn = await load.call<{ connected: number; seconds: number }>('connect', { wsUrl, agents: n, parallel: 50 });
    await server.call('mark', { profile: profileFile(o, 'memory') });
    const t = await load.call<{ events: number; heartbeats: number; errors: string[] }>('trickle', { ms, heartbeatMs: 2_000, everyMs: 2_000, batchSize: 1 }, ms + 30_000);
    const u = await server.call<Usage>('report');
    const busy = await server.call<{ before: Mem; after: Mem }>('memory', { gc: true });
    await load.call('close');
    const perAgentKB = (busy.before.rssMB - idle.before.rssMB) * 1024 / n;
    const rssOk = Math.max(u.peakRssMB, busy.before.rssMB) < TARGET.rssMBAt500;
    return [{
      title: `Collector memory with ${conn.connected} connected agents (hello done, heartbeat every 2 s, 1 event per agent every 2 s, ${ms / 1000} s)`,
      columns: ['state', 'RSS MB', 'peak RSS MB', 'heap used MB', 'heap used after GC MB', 'external MB'],
      rows: [
        ['idle collector, 0 agents', fmtNum(idle.before.rssMB, 0), null, fmtNum(idle.before.heapUsedMB, 1), fmtNum(idle.after?.heapUsedMB ?? NaN, 1), fmtNum(idle.before.externalMB, 1)],
        [`${conn.connected} agents`, fmtNum(busy.before.rssMB, 0), fmtNum(u.peakRssMB, 0), fmtNum(busy.before.heapUsedMB, 1), fmtNum(busy.after.heapUsedMB, 1), fmtNum(busy.before.externalMB, 1)],
      ],
      notes: [
        `per connected agent: about ${fmtNum(perAgentKB, 0)} KB of RSS; collector CPU ${fmtNum(u.cores * 100, 1)} % of one core while the fleet idles.`,
        `${fmtInt(t.events)} events acked and ${fmtInt(t.heartbeats)} heartbeats sent during the window; ${conn.connected} agents connected in ${fmtNum(conn.seconds, 1)} s.`,
        `target: under ${TARGET.rssMBAt500} MB at ${n} agents — ${rssOk ? 'met' : 'NOT met'}.`,
        ...(t.errors.length ? [`error frames: ${t.errors.join('; ')}`] : []),
      ],
    }];
  } finally {
    await Promise.all([load.stop(), server.stop()]);
  }
}
