/**
 * Committing agent frames to PostgreSQL: one transaction per group, new and
 * duplicate seqs told apart, rejects kept, cursors advanced; durable before
 * the promise resolves; nothing acked across a server restart that is not
 * stored; and the session fence between two collectors on real connections.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { E, isCoded, type WireEvent } from '@dcprobe/shared';
import { connectPostgres, parseDatabase, type Postgres } from '../../../collector/src/store/postgres/connect.ts';
import { migrate } from '../../../collector/src/store/postgres/migrations.ts';
import { commitFrames, type Frame, type FrameOutcome } from '../../../collector/src/store/postgres/ingest.ts';
import { claimSession } from '../../../collector/src/store/postgres/sessions.ts';
import { usePostgresCluster } from '../../support/postgres.ts';
import { waitUntil } from '../../support/wait.ts';

// WAL written only every 10 s unless a commit flushes it: an unflushed commit is lost by an immediate stop.
const cluster = usePostgresCluster({ settings: { wal_writer_delay: '10s' } });
const open: Postgres[] = [];
afterAll(async () => { for (const p of open.splice(0)) await p.close().catch(() => {}); });

/** A fresh migrated database; returns its URL. */
async function database(): Promise<string> {
  const url = await cluster().createDatabase('ingest');
  const db = await collector(url);
  await migrate(db.pool);
  return url;
}

/** One collector's connection to the store. */
async function collector(url: string, name = 'dcprobe-collector'): Promise<Postgres> {
  const t = parseDatabase(url);
  if (t.kind !== 'postgres') throw new Error('not postgres');
  const c = await connectPostgres(t.target, { applicationName: name, startupTimeoutMs: 20_000 });
  open.push(c);
  return c;
}

function ev(seq: number, subject = `sw1/ge-0/0/${seq % 48}`): WireEvent {
  return { seq, subject, kind: 'port', state: seq % 2 ? 'down' : 'up', at: 1_780_272_000_000 + seq * 1000, via: 'trap', evidence: { ifIndex: 500 + (seq % 48) } };
}

function frame(agentId: string, epoch: number, seqs: number[], extra: Partial<Frame> = {}): Frame {
  return { agentId, epoch, receivedAt: 1_780_272_100_000, events: seqs.map((s) => ev(s)), rejects: [], committed: Math.max(0, ...seqs), ...extra };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const count = async (db: Postgres, sql: string, values: unknown[] = []) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int n FROM ${sql}`, values)).rows[0]!.n;
const cursor = async (db: Postgres, agent: string) => (await db.pool.query<{ c: number }>('SELECT committed_seq c FROM agents WHERE id = $1', [agent])).rows[0]?.c;

describe('committing agent frames', () => {
  it('commits a group of frames of several agents in one transaction', async () => {
    const db = await collector(await database());
    const a = await claimSession(db.pool, 'rack-a', 'c1');
    const b = await claimSession(db.pool, 'rack-b', 'c1');
    expect([a.epoch, a.committedSeq]).toEqual([1, 0]);
    const out = await commitFrames(db.pool, [
      frame('rack-a', a.epoch, [1, 2, 3]),
      frame('rack-b', b.epoch, [1, 2], { rejects: [{ seq: 3, reason: 'state: not in the vocabulary', raw: '{"seq":3,"state":"sideways"}' }], committed: 3 }),
      frame('rack-a', a.epoch, [4, 5]),
    ]);
    expect(out).toEqual([
      { agentId: 'rack-a', fenced: false, inserted: [1, 2, 3], duplicate: [] },
      { agentId: 'rack-b', fenced: false, inserted: [1, 2], duplicate: [] },
      { agentId: 'rack-a', fenced: false, inserted: [4, 5], duplicate: [] },
    ]);
    const rows = await db.pool.query(`SELECT subject, kind, state, at, via, agent_id, seq, received_at, evidence FROM observations WHERE agent_id = 'rack-a' AND seq = 2`);
    expect(rows.rows).toEqual([{ subject: 'sw1/ge-0/0/2', kind: 'port', state: 'up', at: 1_780_272_002_000, via: 'trap', agent_id: 'rack-a', seq: 2, received_at: 1_780_272_100_000, evidence: '{"ifIndex":502}' }]);
    expect((await db.pool.query('SELECT agent_id, seq, reason, raw FROM rejected_events')).rows).toEqual([{ agent_id: 'rack-b', seq: 3, reason: 'state: not in the vocabulary', raw: '{"seq":3,"state":"sideways"}' }]);
    expect([await cursor(db, 'rack-a'), await cursor(db, 'rack-b')]).toEqual([5, 3]);
  });

  it('tells new seqs from ones already stored, and never moves a cursor back', async () => {
    const db = await collector(await database());
    const s = await claimSession(db.pool, 'rack-a', 'c1');
    await commitFrames(db.pool, [frame('rack-a', s.epoch, [1, 2, 3])]);
    const out = await commitFrames(db.pool, [frame('rack-a', s.epoch, [2, 3, 4]), frame('rack-a', s.epoch, [4, 5])]);
    expect(out).toEqual([
      { agentId: 'rack-a', fenced: false, inserted: [4], duplicate: [2, 3] },
      { agentId: 'rack-a', fenced: false, inserted: [5], duplicate: [4] },
    ]);
    await commitFrames(db.pool, [frame('rack-a', s.epoch, [1])]); // a late resend
    expect(await cursor(db, 'rack-a')).toBe(5);
    expect(await count(db, 'observations')).toBe(5);
  });

  it('stores each event once when an agent moves to another collector and resends', async () => {
    const url = await database();
    const [c1, c2] = [await collector(url, 'collector-1'), await collector(url, 'collector-2')];
    const s1 = await claimSession(c1.pool, 'rack-a', 'collector-1');
    await commitFrames(c1.pool, [frame('rack-a', s1.epoch, range(1, 100))]);
    // The ack of 1-100 was lost with the connection: the agent resends everything to collector 2.
    const s2 = await claimSession(c2.pool, 'rack-a', 'collector-2');
    expect(s2).toEqual({ agentId: 'rack-a', epoch: 2, committedSeq: 100 });
    const out = await commitFrames(c2.pool, [frame('rack-a', s2.epoch, range(51, 150))]);
    expect(out[0]).toEqual({ agentId: 'rack-a', fenced: false, inserted: range(101, 150), duplicate: range(51, 100) });
    expect(await count(c2, 'observations WHERE agent_id = $1', ['rack-a'])).toBe(150);
  });

  it('is durable when it resolves, even where the database says synchronous_commit = off', async () => {
    const url = await database();
    await cluster().psql(`ALTER DATABASE ${url.split('/').pop()} SET synchronous_commit = off`);
    const db = await collector(url);
    const s = await claimSession(db.pool, 'rack-a', 'c1');
    await commitFrames(db.pool, [frame('rack-a', s.epoch, range(1, 50))]);
    await cluster().stop('immediate'); // no shutdown checkpoint: only what the WAL flush kept survives
    await cluster().start();
    await waitUntil('the store after the restart', () => count(db, 'observations').then((n) => n === 50), { timeoutMs: 20_000 });
    expect(await cursor(db, 'rack-a')).toBe(50);
  }, 60_000);

  it('acks nothing that is not stored while PostgreSQL restarts mid-stream, and resumes by itself', async () => {
    const db = await collector(await database());
    const s = await claimSession(db.pool, 'rack-a', 'c1');
    const acked: number[] = [];
    let failures = 0;
    let next = 1;
    const stream = (async () => {
      // An agent's loop: a frame of 10, resent from the cursor after a failure (bounded in count).
      for (let i = 0; i < 400 && next <= 1_000; i++) {
        const seqs = range(next, next + 9);
        try {
          const [o] = await commitFrames(db.pool, [frame('rack-a', s.epoch, seqs)]);
          if (o!.fenced) throw new Error('fenced');
          acked.push(...seqs);
          next += 10;
        } catch (e) {
          expect(isCoded(e, E.STORE_UNAVAILABLE)).toBe(true);
          failures++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    await waitUntil('some acks', () => acked.length >= 100, { timeoutMs: 20_000, intervalMs: 10 });
    await cluster().stop('immediate');
    await new Promise((r) => setTimeout(r, 300));
    await cluster().start();
    await stream;
    expect(failures).toBeGreaterThan(0);
    expect(acked).toEqual(range(1, 1_000));
    const stored = await db.pool.query<{ seq: number }>(`SELECT seq FROM observations WHERE agent_id = 'rack-a' ORDER BY seq`);
    expect(stored.rows.map((r) => r.seq)).toEqual(range(1, 1_000)); // every acked seq, each once
  }, 60_000);
});

describe('the agent-session fence', () => {
  it('lets a collector whose session was taken over write and ack nothing more for the agent', async () => {
    const url = await database();
    const [a, b] = [await collector(url, 'collector-a'), await collector(url, 'collector-b')];
    const sa = await claimSession(a.pool, 'rack-a', 'collector-a');
    await commitFrames(a.pool, [frame('rack-a', sa.epoch, [1, 2])]);
    const sb = await claimSession(b.pool, 'rack-a', 'collector-b');
    expect(sb.epoch).toBe(sa.epoch + 1);
    // A's half-open session still has frames from before the agent moved; other agents' frames go on.
    const so = await claimSession(a.pool, 'rack-z', 'collector-a');
    const out = await commitFrames(a.pool, [frame('rack-a', sa.epoch, [3, 4], { rejects: [{ seq: 5, reason: 'x', raw: '{}' }] }), frame('rack-z', so.epoch, [1])]);
    expect(out).toEqual([{ agentId: 'rack-a', fenced: true }, { agentId: 'rack-z', fenced: false, inserted: [1], duplicate: [] }]);
    expect(await count(a, `observations WHERE agent_id = 'rack-a'`)).toBe(2);
    expect(await count(a, `rejected_events`)).toBe(0);
    expect(await cursor(a, 'rack-a')).toBe(2);
  });

  it('makes a takeover wait for a commit already in flight, and resume from it', async () => {
    const url = await database();
    const [a, b] = [await collector(url, 'collector-a'), await collector(url, 'collector-b')];
    const sa = await claimSession(a.pool, 'rack-a', 'collector-a');
    await commitFrames(a.pool, [frame('rack-a', sa.epoch, [1])]);
    // Hold A's next commit mid-transaction: a third connection locks the agent's cursor row.
    const blocker = new pg.Client({ ...connOf(a), application_name: 'blocker' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM agents WHERE id = 'rack-a' FOR UPDATE`);
      const inFlight = commitFrames(a.pool, [frame('rack-a', sa.epoch, [2, 3])]);
      await waitUntil('A blocked inside its commit', () => waiting(a, 'collector-a'), { timeoutMs: 10_000, intervalMs: 20 });
      let claimed = false;
      const takeover = claimSession(b.pool, 'rack-a', 'collector-b').then((s) => { claimed = true; return s; });
      // B's claim must wait for A's transaction, which already holds the agent's session.
      await waitUntil('B waiting for A', () => waiting(b, 'collector-b'), { timeoutMs: 10_000, intervalMs: 20 });
      expect(claimed).toBe(false);
      await blocker.query('ROLLBACK');
      expect(await inFlight).toEqual([{ agentId: 'rack-a', fenced: false, inserted: [2, 3], duplicate: [] } satisfies FrameOutcome]);
      expect(await takeover).toEqual({ agentId: 'rack-a', epoch: sa.epoch + 1, committedSeq: 3 });
      expect((await commitFrames(a.pool, [frame('rack-a', sa.epoch, [4])]))[0]!.fenced).toBe(true);
    } finally {
      await blocker.end();
    }
  });

  it('never lets a commit succeed that the next session does not resume from, under a real race', async () => {
    const url = await database();
    const [a, b] = [await collector(url, 'collector-a'), await collector(url, 'collector-b')];
    for (let round = 0; round < 20; round++) {
      const agent = `rack-${round}`;
      const sa = await claimSession(a.pool, agent, 'collector-a');
      let seq = 0;
      const acked: number[] = [];
      let stop = false;
      // Collector A streams for the agent on several connections while B takes the agent over.
      const streams = [0, 1, 2].map(async () => {
        for (let i = 0; i < 200 && !stop; i++) {
          const s = ++seq;
          const [o] = await commitFrames(a.pool, [frame(agent, sa.epoch, [s])]);
          if (o!.fenced) { stop = true; return; }
          acked.push(s);
        }
      });
      await new Promise((r) => setTimeout(r, 5 + (round % 5) * 7));
      const sb = await claimSession(b.pool, agent, 'collector-b');
      await Promise.all(streams);
      // Everything A acked is within what B resumes from: nothing acked by A after the takeover.
      expect(Math.max(0, ...acked)).toBeLessThanOrEqual(sb.committedSeq);
      expect(await count(a, 'observations WHERE agent_id = $1 AND seq > $2', [agent, sb.committedSeq])).toBe(0);
    }
  }, 60_000);
});

/** Whether the collector's backend is waiting for a lock right now. */
async function waiting(db: Postgres, app: string): Promise<boolean> {
  const r = await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
  return r.rowCount! > 0;
}

function connOf(db: Postgres): pg.ClientConfig {
  const t = db.target;
  return { host: t.host, port: t.port, user: t.user, password: t.password, database: t.database };
}
