/**
 * Observations, agents, their gaps and rejected events on PostgreSQL: what a
 * collector reads at start (cursors, current state, agents), what it writes
 * itself (hello, silence: gap and resync observations), bulk loads, and the
 * reads of /healthz and the SLA metrics. Agent events themselves are written
 * by ingest.ts. Each write is one transaction on a pooled connection.
 */
import type pg from 'pg';
import type {
  AgentClaim, AgentCursor, AgentRow, CurrentState, GapRow, HelloRecord, ObservationRow, RejectedEvent, SilenceRecord,
} from '../types.ts';
import { LOCKS, insertingObservations } from './locks.ts';
import { inTransaction } from './tx.ts';

type Tx = pg.PoolClient;

const INSERT_ROWS = `INSERT INTO observations (subject, kind, state, at, via, agent_id, seq, evidence, received_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::bigint[])
  ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING`;

const GAP_COLS = `id, agent_id "agentId", start, "end", reason`;

export class ObservationTables {
  constructor(private readonly pool: pg.Pool) {}

  async agents(): Promise<AgentRow[]> {
    const r = await this.pool.query<AgentRow>(`SELECT id, committed_seq "committedSeq", first_seen "firstSeen", last_seen "lastSeen",
      clock_offset_ms "clockOffsetMs", version, host FROM agents ORDER BY id`);
    return r.rows;
  }

  async cursors(): Promise<AgentCursor[]> {
    const r = await this.pool.query<{ id: string; committed: number; above: string[] }>(`SELECT a.id, a.committed_seq committed,
      array(SELECT seq FROM observations WHERE agent_id = a.id AND seq > a.committed_seq
        UNION SELECT seq FROM rejected_events WHERE agent_id = a.id AND seq > a.committed_seq) above
      FROM agents a ORDER BY a.id`);
    return r.rows.map((a) => ({ agentId: a.id, committed: a.committed, above: a.above.map(Number) }));
  }

  /** Latest observation per subject (ties: the one stored last). */
  async currentStates(): Promise<CurrentState[]> {
    const r = await this.pool.query<CurrentState>(`SELECT DISTINCT ON (subject) subject, kind, state, at, agent_id "agentId"
      FROM observations ORDER BY subject, at DESC, id DESC`);
    return r.rows;
  }

  /** The hello's writes, in the caller's transaction (the store claims the agent's session in the same one). */
  async recordHello(c: Tx, h: HelloRecord): Promise<void> {
    await c.query(`INSERT INTO agents (id, first_seen, last_seen, clock_offset_ms, version, host) VALUES ($1, $2, $2, $3, $4, $5)
      ON CONFLICT (id) DO UPDATE SET last_seen = $2, clock_offset_ms = $3, version = coalesce($4, agents.version), host = coalesce($5, agents.host)`,
    [h.agentId, h.at, h.clockOffsetMs, h.version, h.host === undefined ? null : JSON.stringify(h.host)]);
    if (h.lost) {
      await this.openGap(c, h.agentId, h.at, h.at, 'events_lost', h.lost.from, h.lost.to);
      // greatest(): another collector's commit for the agent may have moved it further meanwhile.
      await c.query('UPDATE agents SET committed_seq = greatest(committed_seq, $1) WHERE id = $2', [h.lost.committed, h.agentId]);
    }
    if (h.closeGap) await c.query('UPDATE agent_gaps SET "end" = $1 WHERE agent_id = $2 AND "end" IS NULL', [h.at, h.agentId]);
    await this.insert(c, h.observations, h.at);
  }

  /** One agent's stored cursor and whether a gap of it is open, in the caller's transaction (after its session claim). */
  async claim(c: Tx, agentId: string, committed: number): Promise<AgentClaim> {
    const r = await c.query<{ above: string[]; gap: boolean }>(`SELECT
      array(SELECT seq FROM observations WHERE agent_id = $1 AND seq > $2 UNION SELECT seq FROM hidden_flaps WHERE agent_id = $1 AND seq > $2
        UNION SELECT seq FROM rejected_events WHERE agent_id = $1 AND seq > $2) above,
      EXISTS (SELECT 1 FROM agent_gaps WHERE agent_id = $1 AND "end" IS NULL) gap`, [agentId, committed]);
    // The agent's subjects through its numbered events (the (agent_id, seq) index), then each one's latest row: still its own?
    const owned = await c.query<CurrentState>(`SELECT * FROM (SELECT DISTINCT ON (subject) subject, kind, state, at, agent_id "agentId"
      FROM observations WHERE subject IN (SELECT DISTINCT subject FROM observations WHERE agent_id = $1 AND seq IS NOT NULL)
      ORDER BY subject, at DESC, id DESC) latest WHERE "agentId" = $1 ORDER BY subject`, [agentId]);
    return { cursor: { agentId, committed, above: r.rows[0]!.above.map(Number) }, inGap: r.rows[0]!.gap, owned: owned.rows };
  }

  /**
   * The silence is checked against what every collector recorded, in the
   * gap's own transaction: the agent's rows (events, hello) and the sign of
   * life its session's collector keeps (recordSeen). Any after `start`: the
   * agent was alive, on another collector; nothing is written.
   */
  async recordSilence(s: SilenceRecord): Promise<number | null> {
    return inTransaction(this.pool, `gap for agent ${s.agentId}`, async (c) => {
      const r = await c.query<{ seen: number | null }>(`SELECT greatest((SELECT last_seen FROM agents WHERE id = $1),
        (SELECT seen_at FROM agent_sessions WHERE agent_id = $1)) seen`, [s.agentId]);
      const seen = r.rows[0]!.seen;
      if (seen !== null && seen > s.start) return seen;
      await this.openGap(c, s.agentId, s.start, null, 'silent', null, null);
      await this.insert(c, s.observations, s.at);
      return null;
    });
  }

  /** Signs of life of agents whose sessions this collector holds (another collector's session is left alone). */
  async recordSeen(collector: string, seen: readonly { agentId: string; at: number }[]): Promise<void> {
    if (seen.length === 0) return;
    await this.pool.query(`UPDATE agent_sessions s SET seen_at = greatest(s.seen_at, m.at)
      FROM unnest($1::text[], $2::bigint[]) AS m(agent_id, at) WHERE s.agent_id = m.agent_id AND s.collector = $3`,
    [seen.map((x) => x.agentId), seen.map((x) => x.at), collector]);
  }

  private async openGap(c: Tx, agentId: string, start: number, end: number | null, reason: string, from: number | null, to: number | null): Promise<void> {
    await c.query('INSERT INTO agent_gaps (agent_id, start, "end", reason, lost_from_seq, lost_to_seq) VALUES ($1, $2, $3, $4, $5, $6)',
      [agentId, start, end, reason, from, to]);
  }

  /** Rows in one statement; an (agent, seq) already stored is skipped. Returns how many were new. */
  private async insert(c: Tx, rows: readonly ObservationRow[], receivedAt: number): Promise<number> {
    if (rows.length === 0) return 0;
    await insertingObservations(c);
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (const o of rows) {
      const v = [o.subject, o.kind, o.state, o.at, o.via, o.agentId, o.seq, o.evidence === undefined ? null : JSON.stringify(o.evidence), receivedAt];
      v.forEach((x, i) => cols[i]!.push(x));
    }
    return (await c.query(INSERT_ROWS, cols)).rowCount ?? 0;
  }

  async openGaps(): Promise<GapRow[]> {
    return (await this.pool.query<GapRow>(`SELECT ${GAP_COLS} FROM agent_gaps WHERE "end" IS NULL ORDER BY id`)).rows;
  }

  async gaps(from: number, to: number): Promise<GapRow[]> {
    return (await this.pool.query<GapRow>(`SELECT ${GAP_COLS} FROM agent_gaps WHERE start < $1 AND ("end" IS NULL OR "end" > $2) ORDER BY start, id`,
      [to, from])).rows;
  }

  async importObservations(rows: readonly ObservationRow[], receivedAt: number): Promise<number> {
    return inTransaction(this.pool, 'observations import', (c) => this.insert(c, rows, receivedAt));
  }

  async countObservations(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*) n FROM observations')).rows[0]!.n;
  }

  /**
   * Ids are handed out at insert and a lower one may commit after a higher
   * one, so max(id) alone could skip rows. The mark is read while holding
   * LOCKS.observe exclusively, which waits for every transaction inserting
   * observations (they hold it shared) and is released at once: every row
   * at or below the mark is committed, every later one gets a higher id.
   */
  async observedSince(mark: number | null): Promise<{ mark: number; subjects: string[] }> {
    const now = await inTransaction(this.pool, 'observation mark', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCKS.observe]);
      return (await c.query<{ m: number }>('SELECT coalesce(max(id), 0) m FROM observations')).rows[0]!.m;
    });
    if (mark === null || now <= mark) return { mark: mark === null ? now : Math.max(mark, now), subjects: [] };
    const r = await this.pool.query<{ subject: string }>('SELECT DISTINCT subject FROM observations WHERE id > $1 AND id <= $2', [mark, now]);
    return { mark: now, subjects: r.rows.map((x) => x.subject) };
  }

  async rejectedEvents(agentId: string): Promise<RejectedEvent[]> {
    return (await this.pool.query<RejectedEvent>(`SELECT agent_id "agentId", seq, received_at "receivedAt", reason, raw FROM rejected_events
      WHERE agent_id = $1 ORDER BY id`, [agentId])).rows;
  }
}
