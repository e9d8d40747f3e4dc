/**
 * The agent-session fence. Any agent may connect to any collector, and a
 * collector can be left holding a half-open session for an agent that has
 * already reconnected elsewhere. The store, not the collectors, decides who
 * may write for the agent: `agent_sessions` holds an epoch per agent; a
 * collector that accepts a hello claims the next epoch, and every commit it
 * makes for that agent first locks the session row on its own epoch, in the
 * same transaction (`lockSessions`).
 *
 * Why that is enough: the claim is an UPDATE of the row, the commit a
 * SELECT ... FOR SHARE of it. A claim waits for every commit that holds the
 * row, and a commit that comes after the claim re-reads the row and finds a
 * newer epoch, so it writes nothing and acks nothing. The new session reads
 * the agent's cursor after its claim, so it resumes from everything the old
 * one committed.
 */
import type pg from 'pg';
import { inTransaction } from './tx.ts';

export interface Session {
  agentId: string;
  /** This collector's epoch for the agent: pass it with every commit of the session. */
  epoch: number;
  /** The agent's ack cursor as of the claim: every seq at or below it is stored. */
  committedSeq: number;
}

/** Takes the agent's session over (epoch + 1) and reads its cursor, in one transaction. */
export async function claimSession(pool: pg.Pool, agentId: string, collector: string, now = Date.now()): Promise<Session> {
  return inTransaction(pool, `session claim for agent ${agentId}`, (c) => claimIn(c, agentId, collector, now));
}

/** claimSession inside the caller's transaction (a hello claims and records itself in one). */
export async function claimIn(c: pg.PoolClient | pg.Client, agentId: string, collector: string, now: number): Promise<Session> {
  const s = await c.query<{ epoch: number }>({
    name: 'dcprobe_claim_session',
    text: `INSERT INTO agent_sessions (agent_id, epoch, collector, since) VALUES ($1, 1, $2, $3)
      ON CONFLICT (agent_id) DO UPDATE SET epoch = agent_sessions.epoch + 1, collector = excluded.collector, since = excluded.since
      RETURNING epoch`,
    values: [agentId, collector, now],
  });
  // Read after the claim: it waited for every commit of the old session, so this cursor covers them all.
  const cur = await c.query<{ committed_seq: number }>('SELECT committed_seq FROM agents WHERE id = $1', [agentId]);
  return { agentId, epoch: s.rows[0]!.epoch, committedSeq: cur.rows[0]?.committed_seq ?? 0 };
}

/**
 * Inside the caller's transaction: locks the session rows of the given
 * (agent, epoch) pairs that are still current and returns their agent ids.
 * An agent missing from the result has been taken over: write nothing for it.
 * Rows are locked in agent order so two commits of one collector cannot deadlock.
 */
export async function lockSessions(tx: pg.PoolClient | pg.Client, sessions: readonly { agentId: string; epoch: number }[]): Promise<Set<string>> {
  if (sessions.length === 0) return new Set();
  const r = await tx.query<{ agent_id: string }>({
    name: 'dcprobe_lock_sessions',
    text: `SELECT s.agent_id FROM agent_sessions s JOIN unnest($1::text[], $2::bigint[]) AS m(agent_id, epoch)
      ON s.agent_id = m.agent_id AND s.epoch = m.epoch ORDER BY s.agent_id FOR SHARE OF s`,
    values: [sessions.map((s) => s.agentId), sessions.map((s) => s.epoch)],
  });
  return new Set(r.rows.map((row) => row.agent_id));
}
