#!/usr/bin/env -S node --import tsx
/**
 * Which way of writing the ingest stream into PostgreSQL costs least: the
 * measurements behind the PostgreSQL store's choices (store/postgres/ingest.ts
 * and migrations.ts). Every phase: the bench stream (events.ts), durable
 * commits (synchronous_commit on), a fresh database, a warm-up, then the
 * measured window; server CPU per event is the figure other load moves least.
 *
 *   statement forms, one transaction per frame of 100, 50 streams:
 *     VALUES      multi-row INSERT ... VALUES (...), (...)     (700 parameters)
 *     unnest      INSERT ... SELECT FROM unnest($1::text[], ...) (the store's form)
 *     COPY        COPY into a temp table, then INSERT ... SELECT ON CONFLICT
 *   the same in groups: 2 committers, each 25 agents' frames (2,500 rows) per transaction
 *   keys: text (the store) / integer keys with foreign keys (as SQLite) / integer keys without
 *   the store's own commitFrames (fence + events + cursors), per frame and in groups
 *
 *   node --import tsx bench/tools/pg-ingest-forms.ts [MAX_MS=5000]
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { connectPostgres, parseDatabase, type Postgres } from '../../collector/src/store/postgres/connect.ts';
import { MIGRATIONS, migrate } from '../../collector/src/store/postgres/migrations.ts';
import { commitFrames, type Frame } from '../../collector/src/store/postgres/ingest.ts';
import { claimSession } from '../../collector/src/store/postgres/sessions.ts';
import { startCluster, type Cluster } from '../../test/support/postgres.ts';
import { agentId, eventObject } from '../lib/events.ts';
import { columns, insertUnnest, runStreams, STREAMS, type StreamResult, type WriteFrame } from '../lib/pg-alone.ts';
import { fmtInt, fmtNum, renderText } from '../lib/table.ts';

const MAX_MS = Number(process.argv[2] ?? 5_000);
const BUDGET = { maxEvents: 5_000_000, maxMs: MAX_MS, warmEvents: 50_000 };
const ON_CONFLICT = 'ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING';
const COLS = 'agent_id, seq, subject, kind, state, at, via, evidence, received_at';

const insertValues: WriteFrame = async (db, agent, first, count) => {
  const c = columns(agent, first, count);
  const p: unknown[] = [agentId(agent), Date.now()];
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = p.length;
    p.push(c.seq[i], c.subject[i], c.kind[i], c.state[i], c.at[i], c.via[i], c.evidence[i]);
    rows.push(`($1, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $2)`);
  }
  await db.query({ name: `values_${count}`, text: `INSERT INTO observations (${COLS}) VALUES ${rows.join(', ')} ${ON_CONFLICT}`, values: p });
};

/** COPY text format: tab-separated, with backslash, tab and newline escaped. */
const esc = (s: string | null) => (s === null ? '\\N' : s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));

const copyVia = (rowsOf: (agent: number, first: number, count: number) => string): WriteFrame => async (db, agent, first, count) => {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query(`CREATE TEMP TABLE IF NOT EXISTS inbox (agent_id text, seq bigint, subject text, kind text, state text, at bigint, via text, evidence text, received_at bigint) ON COMMIT DELETE ROWS`);
    await pipeline(Readable.from([rowsOf(agent, first, count)]), c.query(copyFrom('COPY inbox FROM STDIN')));
    await c.query({ name: 'copy_insert', text: `INSERT INTO observations (${COLS}) SELECT ${COLS} FROM inbox ${ON_CONFLICT}` });
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
};

function copyRows(agent: number, first: number, count: number): string {
  const c = columns(agent, first, count), now = Date.now();
  let out = '';
  for (let i = 0; i < count; i++) out += `${esc(agentId(agent))}\t${c.seq[i]}\t${esc(c.subject[i]!)}\t${c.kind[i]}\t${c.state[i]}\t${c.at[i]}\t${c.via[i]}\t${esc(c.evidence[i]!)}\t${now}\n`;
  return out;
}

/** Groups: committer g owns agents g, g + G, ...; one write covers one frame of each. */
const GROUPS = 2;
const groupAgents = (g: number) => Array.from({ length: STREAMS / GROUPS }, (_, i) => g + i * GROUPS);
const grouped = (write: WriteFrame): WriteFrame => (db, g, first, count) => write(db, g, first, count / (STREAMS / GROUPS));

const unnestGroup: WriteFrame = async (db, g, first, per) => {
  const a: string[] = [], cols = { seq: [] as number[], subject: [] as string[], kind: [] as string[], state: [] as string[], at: [] as number[], via: [] as string[], evidence: [] as (string | null)[] };
  for (const agent of groupAgents(g)) {
    const c = columns(agent, first, per);
    for (let i = 0; i < per; i++) a.push(agentId(agent));
    for (const k of Object.keys(cols) as (keyof typeof cols)[]) (cols[k] as unknown[]).push(...c[k]);
  }
  await db.query({
    name: 'unnest_group',
    text: `INSERT INTO observations (${COLS}) SELECT u.*, $9 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS u ${ON_CONFLICT}`,
    values: [a, cols.seq, cols.subject, cols.kind, cols.state, cols.at, cols.via, cols.evidence, Date.now()],
  });
};
const copyGroup = copyVia((g, first, per) => groupAgents(g).map((agent) => copyRows(agent, first, per)).join(''));

/** Integer keys as SQLite's migration 5 has them, with or without its foreign keys; the writer resolves and caches keys. */
function intKeysSchema(fk: boolean): string {
  const ref = (t: string) => (fk ? ` REFERENCES ${t}(id)` : '');
  return `CREATE TABLE subjects (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE);
    CREATE TABLE agent_keys (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, agent_id text NOT NULL UNIQUE);
    CREATE TABLE observation_rows (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, subject_id integer NOT NULL${ref('subjects')},
      kind text NOT NULL CHECK (kind IN ('port','power')), state text NOT NULL, at bigint NOT NULL, via text NOT NULL,
      agent_key integer${ref('agent_keys')}, seq bigint, received_at bigint NOT NULL, evidence text);
    CREATE UNIQUE INDEX observation_rows_agent_seq ON observation_rows (agent_key, seq) WHERE seq IS NOT NULL;
    CREATE INDEX observation_rows_subject_at ON observation_rows (subject_id, at);`;
}

function intKeysWriter(): WriteFrame {
  const keys = new Map<string, number>();
  const resolve = async (db: pg.Pool, table: string, col: string, names: string[]) => {
    const miss = [...new Set(names.filter((n) => !keys.has(`${table}:${n}`)))].sort();
    if (miss.length) {
      await db.query(`INSERT INTO ${table} (${col}) SELECT unnest($1::text[]) ON CONFLICT (${col}) DO NOTHING`, [miss]);
      for (const r of (await db.query(`SELECT id, ${col} AS n FROM ${table} WHERE ${col} = ANY($1)`, [miss])).rows) keys.set(`${table}:${r.n}`, r.id);
    }
    return names.map((n) => keys.get(`${table}:${n}`)!);
  };
  return async (db, agent, first, count) => {
    const c = columns(agent, first, count);
    const sid = await resolve(db, 'subjects', 'name', c.subject);
    const [ak] = await resolve(db, 'agent_keys', 'agent_id', [agentId(agent)]);
    await db.query({
      name: 'int_keys',
      text: `INSERT INTO observation_rows (agent_key, seq, subject_id, kind, state, at, via, evidence, received_at)
        SELECT $1, u.*, $9 FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS u
        ON CONFLICT (agent_key, seq) WHERE seq IS NOT NULL DO NOTHING`,
      values: [ak, c.seq, sid, c.kind, c.state, c.at, c.via, c.evidence, Date.now()],
    });
  };
}

/** The store's commitFrames, one frame per transaction or a group's frames in one. */
function storeWriter(db: Postgres, epochs: Map<string, number>, group: boolean): WriteFrame {
  const frameOf = (agent: number, first: number, count: number): Frame => ({
    agentId: agentId(agent), epoch: epochs.get(agentId(agent))!, receivedAt: Date.now(), rejects: [], committed: first + count - 1,
    events: Array.from({ length: count }, (_, i) => eventObject(agent, first + i)),
  });
  return async (_pool, a, first, count) => {
    const frames = group ? groupAgents(a).map((agent) => frameOf(agent, first, count)) : [frameOf(a, first, count)];
    await commitFrames(db.pool, frames);
  };
}

interface Phase { name: string; schema?: string; streams?: number; frame?: number; write: (db: Postgres) => Promise<WriteFrame> }

const PER_GROUP = 100 * (STREAMS / GROUPS);
const PHASES: Phase[] = [
  { name: 'VALUES, per frame', write: async () => insertValues },
  { name: 'unnest, per frame (PostgreSQL alone)', write: async () => insertUnnest },
  { name: 'COPY via temp table, per frame', write: async () => copyVia(copyRows) },
  { name: `unnest, groups of ${STREAMS / GROUPS} frames`, streams: GROUPS, frame: PER_GROUP, write: async () => grouped(unnestGroup) },
  { name: `COPY via temp table, groups of ${STREAMS / GROUPS} frames`, streams: GROUPS, frame: PER_GROUP, write: async () => grouped(copyGroup) },
  { name: 'integer keys with foreign keys, unnest per frame', schema: intKeysSchema(true), write: async () => intKeysWriter() },
  { name: 'integer keys without foreign keys, unnest per frame', schema: intKeysSchema(false), write: async () => intKeysWriter() },
  { name: 'store commitFrames, per frame', write: async (db) => storeWriter(db, await claimAll(db), false) },
  { name: `store commitFrames, groups of ${STREAMS / GROUPS} frames`, streams: GROUPS, frame: PER_GROUP, write: async (db) => grouped(storeWriter(db, await claimAll(db), true)) },
];

async function claimAll(db: Postgres): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (let a = 0; a < STREAMS; a++) m.set(agentId(a), (await claimSession(db.pool, agentId(a), 'bench')).epoch);
  return m;
}

async function phase(cluster: Cluster, p: Phase): Promise<StreamResult> {
  const url = await cluster.createDatabase('forms');
  const t = parseDatabase(url);
  if (t.kind !== 'postgres') throw new Error('not postgres');
  const db = await connectPostgres(t.target, { poolSize: p.streams ?? STREAMS });
  try {
    await migrate(db.pool, p.schema ? { migrations: [p.schema] } : { migrations: MIGRATIONS });
    return await runStreams(db.pool, await p.write(db), { ...BUDGET, streams: p.streams ?? STREAMS, frame: p.frame ?? 100, postmasterPid: cluster.postmasterPid() });
  } finally {
    await db.close();
  }
}

const cluster = await startCluster();
try {
  const rows = [];
  for (const p of PHASES) {
    const r = await phase(cluster, p);
    rows.push([p.name, fmtInt(r.rate), fmtNum(r.serverUsPerEvent ?? NaN, 1), fmtNum(r.clientUsPerEvent, 1), fmtNum(r.p50Ms, 1), fmtNum(r.p99Ms, 1), fmtNum(r.otherCpuSeconds ?? NaN, 1)]);
  }
  console.log(renderText({
    title: `PostgreSQL ingest forms: the bench stream, synchronous_commit on, ${fmtNum(MAX_MS / 1000, 0)} s per phase`,
    columns: ['phase', 'events/s', 'server CPU µs/event', 'client CPU µs/event', 'p50 ms', 'p99 ms', 'other procs CPU s'],
    rows,
    notes: ['server CPU: the postmaster and its children; the machine has 2 cores shared with the client and any other load ("other procs").'],
  }));
} finally {
  await cluster.remove();
}
