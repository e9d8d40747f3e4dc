/**
 * The server side of the ingest benchmark, one fresh process per phase (so CPU,
 * RSS and heap are this phase's alone): a bare ws server (the transport limit),
 * SQLite alone through the SQLite store's own insert (the storage limit), or
 * the real collector. Driven by bench/ingest.ts over IPC.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '@dcprobe/shared';
import { buildConfig } from '../collector/src/config.ts';
import { startCollector, type CollectorHandle } from '../collector/src/server.ts';
import { openDb } from '../collector/src/store/sqlite/db.ts';
import { Keys } from '../collector/src/store/sqlite/keys.ts';
import { prepareStatements, pushRow, writeItem } from '../collector/src/store/sqlite/rows.ts';
import type { ObservationRow } from '../collector/src/store/types.ts';
import { serveRequests } from './lib/child.ts';
import { collectGarbage, machineBusySeconds, memory, percentile, startUsage, type Usage } from './lib/measure.ts';
import { agentId, agentToken, eventObject } from './lib/events.ts';
import { startProfile } from './lib/profiler.ts';

/** What the measured window left in the ingest journal, and what projecting it took. */
export interface CatchUp { pending: number; seconds: number; cpuSeconds: number }

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-bench-'));
let collector: CollectorHandle | null = null;
let raw: { close(): Promise<void> } | null = null;
let usage: ReturnType<typeof startUsage> | null = null;
let profile: { file: string; session: Awaited<ReturnType<typeof startProfile>> } | null = null;

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The transport limit: same ws server setup as the collector, JSON.parse each frame, ack, store nothing. */
async function startRaw(): Promise<{ wsUrl: string }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 4 });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; batch?: { seq: number }[] };
      if (f.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', v: PROTOCOL_VERSION, committedSeq: 0, serverTime: Date.now(), heartbeatMs: 10_000 }));
      else if (f.type === 'heartbeat') ws.send(JSON.stringify({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: Date.now() }));
      else if (f.type === 'events') ws.send(JSON.stringify({ type: 'ack', v: PROTOCOL_VERSION, seq: f.batch![f.batch!.length - 1]!.seq }));
    });
  }));
  const port = await listen(server);
  raw = {
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return { wsUrl: `ws://127.0.0.1:${port}/agent` };
}

async function startReal(a: { agents: number; synchronous: 'FULL' | 'NORMAL'; heartbeatTimeoutSeconds?: number; maxPending?: number }): Promise<{ wsUrl: string }> {
  const agents = Array.from({ length: a.agents }, (_, i) => ({ id: agentId(i), token: agentToken(agentId(i)) }));
  const config = buildConfig({
    listen: '127.0.0.1:0', database: join(dir, 'collector.sqlite'), logLevel: 'silent', agents,
    ...(a.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: a.heartbeatTimeoutSeconds } : {}),
  });
  collector = await startCollector(config, { synchronous: a.synchronous, ...(a.maxPending ? { maxPending: a.maxPending } : {}) });
  return { wsUrl: collector.wsUrl };
}

/**
 * The storage limit: the SQLite store's insert (store/sqlite/rows.ts, what
 * its projection and bulk loads run) on a fresh file, same rows, same
 * batches, one multi-row statement and one transaction per batch, keys
 * looked up afresh per batch. Rows are built in chunks outside the timed
 * part, so only inserting and committing is measured.
 */
async function sqliteAlone(a: { agents: number; batchSize: number; maxEvents: number; maxMs: number; synchronous: 'FULL' | 'NORMAL'; profile?: string }) {
  const db = openDb(join(dir, 'alone.sqlite'), { synchronous: a.synchronous });
  const st = prepareStatements(db);
  const nextSeq = new Array<number>(a.agents).fill(1);
  // BEGIN/COMMIT by hand (what db.transaction() does) so the commit, i.e. the fsync, is timed on its own.
  const begin = db.prepare('BEGIN'), commit = db.prepare('COMMIT'), rollback = db.prepare('ROLLBACK');
  const batchMs: number[] = [], commitMs: number[] = [];
  const insertBatch = (rows: ObservationRow[], receivedAt: number) => {
    const t0 = performance.now();
    begin.run();
    try {
      const flat: unknown[] = [];
      for (const r of rows) pushRow(flat, r);
      writeItem({ ...st, keys: new Keys(db) }, { agentId: rows[0]!.agentId, receivedAt, rows: flat });
    } catch (e) {
      rollback.run();
      throw e;
    }
    const t1 = performance.now();
    commit.run();
    const t2 = performance.now();
    batchMs.push(t2 - t0);
    commitMs.push(t2 - t1);
  };
  let events = 0, batch = 0, timedNs = 0n, cpuUs = 0, busy = 0;
  const prof = a.profile ? await startProfile() : null;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(a.maxMs) * 1_000_000n;
  while (events < a.maxEvents && process.hrtime.bigint() < deadline) {
    const chunk: ObservationRow[][] = [];
    for (let k = 0; k < 100 && events + chunk.length * a.batchSize < a.maxEvents; k++, batch++) {
      const agent = batch % a.agents;
      const rows: ObservationRow[] = [];
      for (let j = 0; j < a.batchSize; j++) rows.push({ ...eventObject(agent, nextSeq[agent]!++), agentId: agentId(agent) });
      chunk.push(rows);
    }
    const b0 = machineBusySeconds() ?? 0;
    const c0 = process.cpuUsage();
    const s = process.hrtime.bigint();
    for (const rows of chunk) { insertBatch(rows, Date.now()); events += rows.length; }
    timedNs += process.hrtime.bigint() - s;
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    busy += (machineBusySeconds() ?? 0) - b0;
  }
  const m = memory();
  db.close();
  if (prof) await prof.stop(a.profile!);
  const seconds = Number(timedNs) / 1e9;
  // What the rest of the machine used while the inserts ran (0 on a quiet machine).
  const otherCpuSeconds = machineBusySeconds() === null ? null : Math.max(0, busy - cpuUs / 1e6);
  return {
    events, seconds, cpuSeconds: cpuUs / 1e6, rssMB: m.rssMB, otherCpuSeconds,
    batchP50Ms: percentile(batchMs, 50), batchP99Ms: percentile(batchMs, 99), commitP50Ms: percentile(commitMs, 50), commitP99Ms: percentile(commitMs, 99),
  };
}

serveRequests({
  raw: startRaw,
  collector: startReal,
  sqlite: sqliteAlone,
  /** Starts the measured window; `profile` names a .cpuprofile to write for exactly this window. */
  mark: async (a: { profile?: string }) => {
    // The measured window starts on a projected journal: a burst arriving at a collector at rest.
    await collector?.settled();
    if (a.profile) profile = { file: a.profile, session: await startProfile() };
    usage = startUsage();
    return true;
  },
  /**
   * Ends the measured window, then waits for the projection of what it left
   * in the journal (timed and costed apart: `catchUp`) and counts the store.
   */
  report: async (): Promise<Usage & { stored: number | null; profile: string | null; catchUp: CatchUp | null }> => {
    const u = usage!.stop();
    usage = null;
    const written = profile ? await profile.session.stop(profile.file) : null;
    profile = null;
    let catchUp: CatchUp | null = null;
    if (collector) {
      const pending = collector.ingest.pending();
      const c0 = process.cpuUsage(), t0 = performance.now();
      await collector.settled();
      const c = process.cpuUsage(c0);
      catchUp = { pending, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
    }
    return { ...u, stored: collector ? await collector.store.countObservations() : null, profile: written, catchUp };
  },
  memory: (a: { gc?: boolean }) => {
    const before = memory();
    const gc = a.gc ? collectGarbage() : false;
    return { before, after: gc ? memory() : null };
  },
}, async () => {
  await collector?.close();
  await raw?.close();
  rmSync(dir, { recursive: true, force: true });
});
