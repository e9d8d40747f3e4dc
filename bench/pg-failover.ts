/**
 * Failover on PostgreSQL: three collectors on one database, 50 agents each
 * listing all three (its own first) and producing events all along
 * (lib/failover-agents.ts, the real agent's reconnect order and backoff).
 * Each round kills one collector with SIGKILL at a random moment and times,
 * for every agent that was connected to it, the kill → the first ack of one
 * of its events by another collector; the victim is then started again on
 * its address. At the end every agent drains and the store is counted per
 * (agent, seq): lost and doubled events.
 *
 *   npm run bench -- --only pg-failover [--quick] [--markdown]
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCluster } from '../test/support/postgres.ts';
import { Child } from './lib/child.ts';
import { machineBusySeconds, percentile, sleep } from './lib/measure.ts';
import type { BenchOptions } from './lib/section.ts';
import { fmtInt, fmtNum, type Table } from './lib/table.ts';

const COLLECTOR = fileURLToPath(new URL('./lib/pg-collector-child.ts', import.meta.url));
const AGENTS_CHILD = fileURLToPath(new URL('./lib/failover-agents.ts', import.meta.url));

const COLLECTORS = 3;
const AGENTS = 50;
/** Each agent: 10 events every 100 ms, 5,000 events/s in all. */
const EVERY_MS = 100;
const BATCH = 10;
const TARGET = { p99Ms: 5_000 };

/** A free loopback port for a collector that must come back on it (test/support/ports.ts is vitest's). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A collector on its fixed port; a killed one's port may be taken back a moment late. */
async function startOn(url: string, port: number): Promise<Child> {
  for (let attempt = 1; ; attempt++) {
    const c = Child.start(`collector on port ${port}`, COLLECTOR);
    try {
      await c.call('start', { url, agents: AGENTS, port }, 60_000);
      return c;
    } catch (e) {
      await c.stop();
      if (attempt >= 5 || !/EADDRINUSE/.test((e as Error).message)) throw e;
      await sleep(300);
    }
  }
}

interface Count { produced: number; stored: number; lost: number; doubled: number; unexpected: number }

/** Every (agent, seq) produced against the store: events and quarantined events, as the fault suite counts them. */
async function countStore(url: string, produced: Record<string, number>): Promise<Count> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const r = await db.query<{ n: string; stored: string; doubled: string; unexpected: string }>(`
      SELECT p.n, count(DISTINCT o.seq) FILTER (WHERE o.seq BETWEEN 1 AND p.n) stored,
        count(o.seq) FILTER (WHERE o.seq BETWEEN 1 AND p.n) - count(DISTINCT o.seq) FILTER (WHERE o.seq BETWEEN 1 AND p.n) doubled,
        count(o.seq) FILTER (WHERE o.seq < 1 OR o.seq > p.n) unexpected
      FROM unnest($1::text[], $2::bigint[]) p(agent, n)
      LEFT JOIN (SELECT agent_id, seq FROM observations WHERE seq IS NOT NULL UNION ALL SELECT agent_id, seq FROM rejected_events WHERE seq IS NOT NULL) o
        ON o.agent_id = p.agent
      GROUP BY p.agent, p.n`, [Object.keys(produced), Object.values(produced)]);
    const c: Count = { produced: 0, stored: 0, lost: 0, doubled: 0, unexpected: 0 };
    for (const x of r.rows) {
      c.produced += Number(x.n); c.stored += Number(x.stored); c.lost += Number(x.n) - Number(x.stored);
      c.doubled += Number(x.doubled); c.unexpected += Number(x.unexpected);
    }
    return c;
  } finally {
    await db.end();
  }
}

export async function pgFailover(o: BenchOptions): Promise<Table[]> {
  const rounds = o.quick ? 2 : 4;
  const cluster = await startCluster();
  const slots: Child[] = [];
  const load = Child.start('failover agents', AGENTS_CHILD);
  try {
    const url = await cluster.createDatabase('failover');
    const ports = await Promise.all(Array.from({ length: COLLECTORS }, () => freePort()));
    const urls = ports.map((p) => `ws://127.0.0.1:${p}/agent`);
    for (const p of ports) slots.push(await startOn(url, p));
    const lists = Array.from({ length: AGENTS }, (_, i) => urls.map((_, k) => urls[(i + k) % COLLECTORS]!));
    await load.call('start', { lists, everyMs: EVERY_MS, batch: BATCH });
    const connected = async () => Object.values(await load.call<Record<string, number>>('onUrls')).reduce((s, n) => s + n, 0);
    const t0 = Date.now();
    while (await connected() < AGENTS) {
      if (Date.now() - t0 > 30_000) throw new Error('agents did not all connect within 30 s');
      await sleep(100);
    }
    await sleep(o.quick ? 1_000 : 2_000);

    const ms: number[] = [];
    const perRound: { moved: number; p50: number; max: number; waiting: string[] }[] = [];
    const busy0 = machineBusySeconds(), wall0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      const v = r % COLLECTORS;
      const t1 = Date.now();
      while (await connected() < AGENTS && Date.now() - t1 < 30_000) await sleep(100);
      await sleep(500 + Math.random() * 1_000);
      const moved = await load.call<number>('arm', { url: urls[v] });
      const at = Date.now();
      process.kill(slots[v]!.pid!, 'SIGKILL');
      const rec = await load.call<{ ms: number[]; waiting: string[] }>('recovered', { at, timeoutMs: 30_000 }, 40_000);
      ms.push(...rec.ms);
      perRound.push({ moved, p50: percentile([...rec.ms], 50), max: Math.max(...rec.ms), waiting: rec.waiting });
      await slots[v]!.stop();
      slots[v] = await startOn(url, ports[v]!);
    }
    const wallS = (performance.now() - wall0) / 1000, busy1 = machineBusySeconds();
    const drained = await load.call<{ produced: Record<string, number>; pending: number }>('drain', { timeoutMs: 30_000 }, 40_000);
    const count = await countStore(url, drained.produced);
    const waiting = perRound.flatMap((p) => p.waiting);
    const p99 = percentile([...ms], 99);
    const ok = (b: boolean) => (b ? 'yes' : 'NO');
    return [{
      title: `Failover on PostgreSQL: ${COLLECTORS} collectors on one database, ${AGENTS} agents (${fmtInt(AGENTS * BATCH * 1000 / EVERY_MS)} events/s), ${rounds} collectors killed with SIGKILL in turn`,
      columns: ['figure', 'measured', 'target', 'met'],
      rows: [
        [`kill -9 → the agent's events acked by another collector, p99 of ${ms.length} agent failovers`, `${fmtInt(p99)} ms`, `< ${fmtInt(TARGET.p99Ms)} ms`, ok(p99 < TARGET.p99Ms && waiting.length === 0)],
        ['the same, p50 (max)', `${fmtInt(percentile([...ms], 50))} ms (${fmtInt(Math.max(...ms))} ms)`, '–', '–'],
        ['events lost (produced, not in the store)', fmtInt(count.lost), '0', ok(count.lost === 0)],
        ['events doubled (stored more than once)', fmtInt(count.doubled), '0', ok(count.doubled === 0)],
      ],
      notes: [
        `per round (agents moved: p50 / max ms): ${perRound.map((p) => `${p.moved}: ${fmtInt(p.p50)} / ${fmtInt(p.max)}`).join('; ')}${waiting.length ? `; not acked again within 30 s: ${waiting.join(', ')}` : ''}`,
        `${fmtInt(count.produced)} events produced, ${fmtInt(count.stored)} stored${count.unexpected ? `, ${fmtInt(count.unexpected)} unexpected` : ''}; ${fmtInt(drained.pending)} still unacked after the 30 s drain.`,
        'Most of the failover is the agent\'s own reconnect policy (agent/src/link.ts): it retries the collector it lost after 250–500 ms, then, refused, waits 500–1,000 ms and tries the next one in its list.',
        `machine CPU during the rounds (this bench included): ${busy0 === null || busy1 === null ? '–' : `${fmtNum(busy1 - busy0, 1)} CPU s over ${fmtNum(wallS, 1)} s of wall time`}.`,
      ],
    }];
  } finally {
    await load.stop();
    await Promise.all(slots.map((s) => s.stop()));
    await cluster.remove();
  }
}
