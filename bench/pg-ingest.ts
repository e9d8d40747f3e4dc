/**
 * Ingest on PostgreSQL, side by side in one run on one private cluster
 * (synchronous_commit on, fsync on: a COMMIT returns after its WAL flush):
 *   (r) PostgreSQL alone (lib/pg-alone.ts): 50 streams, one multi-row INSERT
 *       and one transaction per frame of 100 events, into the store's schema;
 *   (1) one collector on the cluster, 50 agents over WebSockets, each event
 *       committed before its ack (lib/pg-collector-child.ts);
 *   (3) three collectors on one database, the 50 agents spread over them.
 * Each phase gets a fresh database, a warm-up, then the measured window.
 * The three phases run in turn, twice (once with --quick), and each phase's
 * better round is kept: on a shared machine other programs' load comes and
 * goes, and interleaving gives every phase the same chance of a quiet window.
 * CPU is counted per party: the collectors, PostgreSQL (the postmaster and
 * its children), the load generator, and the rest of the machine.
 *
 *   npm run bench -- --only pg-ingest [--quick] [--markdown]
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../collector/src/store/postgres/migrations.ts';
import { startCluster, type Cluster } from '../test/support/postgres.ts';
import { Child } from './lib/child.ts';
import { machineBusySeconds, type Usage } from './lib/measure.ts';
import { FRAME, STREAMS, pgAlone, serverCpuSeconds } from './lib/pg-alone.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtInt, fmtNum, fmtRatio, type Table } from './lib/table.ts';
import type { RunResult } from './load-agents.ts';

const COLLECTOR = fileURLToPath(new URL('./lib/pg-collector-child.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('./load-agents.ts', import.meta.url));

const AGENTS = STREAMS;
const BATCH = FRAME;
/** Unacked batches per agent, as in the SQLite ingest section. */
const WINDOW = 4;
const TARGET_OF_ALONE = 0.5;

interface Budget { maxEvents: number; maxMs: number; warmEvents: number; warmMs: number }
const budget = (quick: boolean): Budget => (quick
  ? { maxEvents: 300_000, maxMs: 3_000, warmEvents: 20_000, warmMs: 1_000 }
  : { maxEvents: 2_000_000, maxMs: 6_000, warmEvents: 50_000, warmMs: 2_000 });

interface Phase {
  name: string; events: number; seconds: number; rate: number; p50: number; p99: number;
  /** CPU µs per event: the collectors (or PostgreSQL alone's client), the server, the load generator. */
  clientUs: number; serverUs: number | null; loadUs: number | null;
  other: number | null;
  /** Collectors only: rows stored after the run and events acked (warm-up included). */
  stored?: number; acked?: number; errors?: string[];
}

async function alone(cluster: Cluster, b: Budget): Promise<Phase> {
  const url = await cluster.createDatabase('pg_alone');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try { await migrate(admin); } finally { await admin.end(); }
  const r = await pgAlone(url, { maxEvents: b.maxEvents, maxMs: b.maxMs, warmEvents: b.warmEvents, postmasterPid: cluster.postmasterPid() });
  return {
    name: '(r) PostgreSQL alone', events: r.events, seconds: r.seconds, rate: r.rate, p50: r.p50Ms, p99: r.p99Ms,
    clientUs: r.clientUsPerEvent, serverUs: r.serverUsPerEvent, loadUs: null, other: r.otherCpuSeconds,
  };
}

/** `n` collector processes on one fresh database, the agents spread over them. */
async function collectors(cluster: Cluster, n: number, b: Budget): Promise<Phase> {
  const url = await cluster.createDatabase(`pg_collectors_${n}`);
  const servers: Child[] = [];
  const load = Child.start('load generator', LOAD);
  try {
    const wsUrls: string[] = [];
    // One at a time: the first migrates the schema, the others find it current.
    for (let i = 0; i < n; i++) {
      const c = Child.start(`collector ${i + 1} on PostgreSQL`, COLLECTOR);
      servers.push(c);
      wsUrls.push((await c.call<{ wsUrl: string }>('start', { url, agents: AGENTS }, 60_000)).wsUrl);
    }
    await load.call('connect', { wsUrl: wsUrls[0], wsUrls, agents: AGENTS });
    const warm = await load.call<RunResult>('run', { batchSize: BATCH, window: WINDOW, maxEvents: b.warmEvents, maxMs: b.warmMs }, b.warmMs + 30_000);
    const pid = cluster.postmasterPid();
    const busy0 = machineBusySeconds(), srv0 = serverCpuSeconds(pid);
    await Promise.all(servers.map((s) => s.call('mark')));
    const r = await load.call<RunResult>('run', { batchSize: BATCH, window: WINDOW, maxEvents: b.maxEvents, maxMs: b.maxMs }, b.maxMs + 30_000);
    const srv1 = serverCpuSeconds(pid), busy1 = machineBusySeconds();
    const reports = await Promise.all(servers.map((s) => s.call<Usage & { stored: number }>('report', {}, 60_000)));
    await load.call('close');
    if (!r.drained) throw new Error(`${n} collector(s): acks still outstanding 10 s after the run stopped${r.errors.length ? `; error frames: ${r.errors.join('; ')}` : ''}`);
    const cpu = reports.reduce((s, u) => s + u.cpuSeconds, 0);
    const server = srv0 === null || srv1 === null ? null : srv1 - srv0;
    return {
      name: `(${n}) ${n} collector${n > 1 ? 's' : ''} on one PostgreSQL`, events: r.events, seconds: r.seconds, rate: r.eventsPerSecond, p50: r.p50Ms, p99: r.p99Ms,
      clientUs: cpu / r.events * 1e6, serverUs: server === null ? null : server / r.events * 1e6, loadUs: r.usage.cpuSeconds / r.events * 1e6,
      other: busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - cpu - (server ?? 0) - r.usage.cpuSeconds),
      // Every collector counts the same table: one count is the store's.
      stored: reports[0]!.stored, acked: warm.events + r.events, errors: [...warm.errors, ...r.errors],
    };
  } finally {
    await load.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function pgIngest(o: BenchOptions): Promise<Table[]> {
  const b = budget(o.quick);
  const cluster = await startCluster();
  try {
    const rounds: Phase[][] = [];
    for (let i = 0; i < (o.quick ? 1 : 2); i++) rounds.push([await alone(cluster, b), await collectors(cluster, 1, b), await collectors(cluster, 3, b)]);
    const best = (k: number) => rounds.map((x) => x[k]!).reduce((a, c) => (c.rate > a.rate ? c : a));
    const [r, one, three] = [best(0), best(1), best(2)];
    const phases = [r, one, three];
    const us = (v: number | null) => (v === null ? null : fmtNum(v, 1));
    const total = (p: Phase) => p.clientUs + (p.serverUs ?? NaN);
    const throughput: Table = {
      title: `Ingest on PostgreSQL: ${AGENTS} agents (or streams), frames of ${BATCH} port events, synchronous_commit on, durable before the ack`,
      columns: ['phase', 'events', 'seconds', 'events/s', 'this ÷ PostgreSQL alone', 'p50 ms', 'p99 ms'],
      rows: phases.map((p) => [p.name, fmtInt(p.events), fmtNum(p.seconds, 2), fmtInt(p.rate), fmtRatio(p.rate / r.rate), fmtNum(p.p50, 1), fmtNum(p.p99, 1)]),
      notes: [
        `each phase's better of ${rounds.length} rounds run in turn (r, 1, 3, r, 1, 3); every round's events/s: ${rounds.map((x, i) => `round ${i + 1}: ${x.map((p) => fmtInt(p.rate)).join(' / ')}`).join('; ')}.`,
        `(r): ${STREAMS} connections, each inserting its stream's next frame as one INSERT … FROM unnest() (one transaction) as soon as the previous returned. (1), (3): agents over WebSockets on loopback, ${WINDOW} frames in flight each, latency frame sent → ack received.`,
        ...[one, three].map((p) => `${p.name}: every acked event is in the store: ${p.stored! >= p.acked! ? 'yes' : 'NO'} (${fmtInt(p.stored!)} rows stored, ${fmtInt(p.acked!)} events acked incl. warm-up)`),
        ...[one, three].filter((p) => p.errors!.length).map((p) => `${p.name} error frames: ${p.errors!.join('; ')}`),
      ],
    };
    const cost: Table = {
      title: 'Ingest on PostgreSQL: CPU per event, by process',
      columns: ['phase', 'collectors (or client) µs/event', 'PostgreSQL server µs/event', 'both µs/event', 'load generator µs/event', 'other procs CPU s'],
      rows: phases.map((p) => [p.name, us(p.clientUs), us(p.serverUs), us(total(p)), us(p.loadUs), p.other === null ? null : fmtNum(p.other, 2)]),
      notes: [
        'CPU: user + system seconds of the measured window ÷ events; the server is the postmaster and its children (/proc). On a shared 2-core machine µs/event moves less with other load than events/s.',
        '"other procs CPU s": what the rest of the machine used meanwhile; well above 0 means the rates are depressed by other programs.',
      ],
    };
    const met = (ok: boolean) => (ok ? 'yes' : 'NO');
    const targets: Table = {
      title: 'Ingest on PostgreSQL: targets',
      columns: ['target', 'required', 'measured', 'met', 'by CPU per event'],
      rows: [one, three].map((p) => [`${p.name} ÷ PostgreSQL alone`, `≥ ${TARGET_OF_ALONE.toFixed(2)}×`, fmtRatio(p.rate / r.rate), met(p.rate / r.rate >= TARGET_OF_ALONE), fmtRatio(total(r) / total(p))]),
      notes: ['by CPU per event: PostgreSQL alone\'s CPU per event (client + server) ÷ the phase\'s (collectors + server): the ratio with the machine\'s other load taken out.'],
    };
    return [throughput, cost, targets];
  } finally {
    await cluster.remove();
  }
}
