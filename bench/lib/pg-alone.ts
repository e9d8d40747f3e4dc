/**
 * "PostgreSQL alone": the reference the collector's ingest on PostgreSQL is
 * measured against. The same event stream as every ingest measurement
 * (events.ts: 50 agents, frames of 100 port events), the same durability
 * (synchronous_commit on: a statement returns after its WAL flush), into the
 * store's own schema (store/postgres/migrations.ts), and nothing else: each
 * of 50 streams, on its own connection, inserts its agent's next frame as
 * one multi-row INSERT from unnest() arrays (one statement, one
 * transaction), ON CONFLICT (agent_id, seq) DO NOTHING as the store does.
 *
 * `runStreams` drives any per-frame writer the same way, for the tools that
 * compare statement forms and schemas (bench/tools/pg-ingest-forms.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { agentId, eventObject } from './events.ts';
import { machineBusySeconds, percentile } from './measure.ts';
import { fmtInt, fmtNum, type Table } from './table.ts';

export const STREAMS = 50;
export const FRAME = 100;

/** Writes one frame: `count` events of agent `agent` from seq `first`, durable when it resolves. */
export type WriteFrame = (db: pg.Pool, agent: number, first: number, count: number) => Promise<void>;

export interface StreamOptions {
  streams?: number;
  frame?: number;
  /** The measured window ends at whichever comes first. */
  maxEvents: number;
  maxMs: number;
  /** Events written before the measured window (statements prepared, caches warm). */
  warmEvents: number;
  /** The cluster's postmaster, to count the server's CPU (its processes are its children). */
  postmasterPid?: number | null;
}

export interface StreamResult {
  events: number;
  seconds: number;
  rate: number;
  /** Frame written → resolved, ms. */
  p50Ms: number;
  p99Ms: number;
  /** CPU per event: this process (building rows, the client library) and the PostgreSQL server. */
  clientUsPerEvent: number;
  serverUsPerEvent: number | null;
  /** CPU seconds the rest of the machine used meanwhile (other programs' load). */
  otherCpuSeconds: number | null;
}

/** The reference writer: the frame's events as arrays, one INSERT ... SELECT FROM unnest(). */
export const insertUnnest: WriteFrame = async (db, agent, first, count) => {
  const c = columns(agent, first, count);
  await db.query({
    name: 'pg_alone_insert',
    text: `INSERT INTO observations (agent_id, seq, subject, kind, state, at, via, evidence, received_at)
      SELECT $1, u.*, $9 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS u
      ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING`,
    values: [agentId(agent), c.seq, c.subject, c.kind, c.state, c.at, c.via, c.evidence, Date.now()],
  });
};

/** A frame of the bench stream as one array per column. */
export function columns(agent: number, first: number, count: number) {
  const c = { seq: [] as number[], subject: [] as string[], kind: [] as string[], state: [] as string[], at: [] as number[], via: [] as string[], evidence: [] as (string | null)[] };
  for (let s = first; s < first + count; s++) {
    const e = eventObject(agent, s);
    c.seq.push(e.seq); c.subject.push(e.subject); c.kind.push(e.kind); c.state.push(e.state); c.at.push(e.at); c.via.push(e.via);
    c.evidence.push(e.evidence === undefined ? null : JSON.stringify(e.evidence));
  }
  return c;
}

/** `streams` agents writing frames back to back on a pool of as many connections: a warm-up, then the measured window. */
export async function runStreams(db: pg.Pool, write: WriteFrame, o: StreamOptions): Promise<StreamResult> {
  const streams = o.streams ?? STREAMS;
  const frame = o.frame ?? FRAME;
  const next = new Array<number>(streams).fill(1);
  const drive = async (maxEvents: number, maxMs: number, lat: number[] | null) => {
    let events = 0;
    const deadline = performance.now() + maxMs;
    await Promise.all(Array.from({ length: streams }, async (_, a) => {
      while (events < maxEvents && performance.now() < deadline) {
        const first = next[a]!;
        next[a] = first + frame;
        events += frame;
        const t0 = performance.now();
        await write(db, a, first, frame);
        lat?.push(performance.now() - t0);
      }
    }));
    return events;
  };
  await drive(o.warmEvents, 30_000, null);
  const lat: number[] = [];
  const busy0 = machineBusySeconds(), srv0 = serverCpuSeconds(o.postmasterPid), cpu0 = process.cpuUsage(), t0 = performance.now();
  const events = await drive(o.maxEvents, o.maxMs, lat);
  const seconds = (performance.now() - t0) / 1000, cpu = process.cpuUsage(cpu0), srv1 = serverCpuSeconds(o.postmasterPid), busy1 = machineBusySeconds();
  const client = (cpu.user + cpu.system) / 1e6;
  const server = srv0 === null || srv1 === null ? null : srv1 - srv0;
  return {
    events, seconds, rate: events / seconds, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99),
    clientUsPerEvent: client / events * 1e6, serverUsPerEvent: server === null ? null : server / events * 1e6,
    otherCpuSeconds: busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - client - (server ?? 0)),
  };
}

/** PostgreSQL alone on a migrated database at `url`, with a pool of one connection per stream. */
export async function pgAlone(url: string, o: StreamOptions): Promise<StreamResult> {
  const db = new pg.Pool({ connectionString: url, max: o.streams ?? STREAMS });
  db.on('error', () => {}); // a connection lost while idle: the run fails on its next query instead
  try {
    if ((await db.query(`SELECT current_setting('synchronous_commit') AS s`)).rows[0].s !== 'on') throw new Error('PostgreSQL alone needs synchronous_commit on');
    return await runStreams(db, insertUnnest, o);
  } finally {
    await db.end();
  }
}

/**
 * User + system seconds of the postmaster and its children (backends, WAL
 * writer, checkpointer), those that ended included (the postmaster's cutime
 * and cstime hold them once reaped), so a backend that exits between two
 * readings takes nothing away; or null.
 */
export function serverCpuSeconds(postmasterPid: number | null | undefined): number | null {
  if (!postmasterPid) return null;
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(d) === postmasterPid) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      else if (Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

export function pgAloneTable(r: StreamResult, title = `PostgreSQL alone: ${STREAMS} streams, frames of ${FRAME} port events, one INSERT from unnest() per frame, synchronous_commit on`): Table {
  return {
    title,
    columns: ['events', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'client CPU µs/event', 'server CPU µs/event', 'other procs CPU s'],
    rows: [[fmtInt(r.events), fmtNum(r.seconds, 2), fmtInt(r.rate), fmtNum(r.p50Ms, 1), fmtNum(r.p99Ms, 1), fmtNum(r.clientUsPerEvent, 1),
      r.serverUsPerEvent === null ? null : fmtNum(r.serverUsPerEvent, 1), r.otherCpuSeconds === null ? null : fmtNum(r.otherCpuSeconds, 2)]],
    notes: [
      'events/s: events whose INSERT returned (each after its WAL flush) ÷ seconds of the measured window, after a warm-up on the same database.',
      'server CPU: the postmaster and its children (/proc), i.e. what PostgreSQL itself spent per event; "other procs": the rest of the machine meanwhile.',
    ],
  };
}
