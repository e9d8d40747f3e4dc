/**
 * Observations, agents, their gaps and rejected events on the store's main
 * connection: what the collector reads at start (cursors, current state,
 * agents), what it writes itself (hello, silence: gap and resync
 * observations), bulk loads, and the reads of /healthz and the SLA metrics.
 * Agent events themselves are written by the projector (projector.ts).
 * Writes here are BEGIN IMMEDIATE (see db.ts).
 */
import type {
  AgentClaim, AgentCursor, AgentRow, CurrentState, GapRow, HelloRecord, ObservationRow, RejectedEvent, SilenceRecord,
} from '../types.ts';
import type { Db } from './db.ts';
import { ChainWriter } from './chain.ts';
import { Keys } from './keys.ts';
import { ROW_WIDTH, prepareStatements, pushRow, writeItem, type Statements } from './rows.ts';

export class ObservationTables {
  private readonly putSubject;
  private readonly putAgentKey;
  private readonly insObs;
  private readonly upsertAgent;
  private readonly setCommitted;
  private readonly openGapStmt;
  private readonly closeGapStmt;
  private readonly maxId;
  private readonly subjectsSince;
  private statements: Statements | null = null;
  private readonly chain: ChainWriter;

  constructor(private readonly db: Db) {
    this.chain = new ChainWriter(db);
    // One observation the collector makes itself (gap, resync): rare, so its keys
    // are made in SQL, in the caller's transaction, with nothing cached to undo.
    this.putSubject = db.prepare(`INSERT INTO subjects (name) VALUES (?) ON CONFLICT DO NOTHING`);
    this.putAgentKey = db.prepare(`INSERT INTO agent_keys (agent_id) VALUES (?) ON CONFLICT DO NOTHING`);
    this.insObs = db.prepare(`INSERT INTO observation_rows (subject_id, kind, state, at, via, agent_key, seq, received_at, evidence)
      VALUES ((SELECT id FROM subjects WHERE name = @subject), @kind, @state, @at, @via,
        (SELECT id FROM agent_keys WHERE agent_id = @agentId), @seq, @receivedAt, @evidence) ON CONFLICT DO NOTHING`);
    this.upsertAgent = db.prepare(`INSERT INTO agents (id, first_seen, last_seen, clock_offset_ms, version, host) VALUES (@id, @now, @now, @offset, @version, @host)
      ON CONFLICT(id) DO UPDATE SET last_seen = @now, clock_offset_ms = @offset, version = coalesce(@version, version), host = coalesce(@host, host)`);
    this.setCommitted = db.prepare(`UPDATE agents SET committed_seq = ?, last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?`);
    this.openGapStmt = db.prepare(`INSERT INTO agent_gaps (agent_id, start, end, reason, lost_from_seq, lost_to_seq) VALUES (?, ?, ?, ?, ?, ?)`);
    this.closeGapStmt = db.prepare(`UPDATE agent_gaps SET end = ? WHERE agent_id = ? AND end IS NULL`);
    this.maxId = db.prepare('SELECT coalesce(max(id), 0) FROM observation_rows').pluck();
    this.subjectsSince = db.prepare('SELECT DISTINCT s.name FROM observation_rows o JOIN subjects s ON s.id = o.subject_id WHERE o.id > ? AND o.id <= ?').pluck();
  }

  agents(): AgentRow[] {
    return this.db.prepare(`SELECT id, committed_seq committedSeq, first_seen firstSeen, last_seen lastSeen,
      clock_offset_ms clockOffsetMs, version, host FROM agents ORDER BY id`).all() as AgentRow[];
  }

  /** One agent's stored cursor and whether a gap of it is open (a hello reads them). */
  claim(agentId: string): AgentClaim {
    return this.db.transaction(() => {
      const committed = (this.db.prepare('SELECT committed_seq FROM agents WHERE id = ?').pluck().get(agentId) as number | undefined) ?? 0;
      const above = this.db.prepare(`SELECT seq FROM observations WHERE agent_id = ? AND seq > ?
        UNION SELECT seq FROM hidden_flaps WHERE agent_id = ? AND seq > ?
        UNION SELECT seq FROM rejected_events WHERE agent_id = ? AND seq > ?`).pluck().all(agentId, committed, agentId, committed, agentId, committed) as number[];
      const inGap = this.db.prepare('SELECT 1 FROM agent_gaps WHERE agent_id = ? AND end IS NULL').get(agentId) !== undefined;
      // Each subject's latest row (the highest id at its latest time), kept when it is the agent's.
      const owned = this.db.prepare(`SELECT o.subject, o.kind, o.state, o.at, o.agent_id agentId FROM observations o
        WHERE o.subject IN (SELECT DISTINCT subject FROM observations WHERE agent_id = ? AND seq IS NOT NULL)
          AND o.id = (SELECT i.id FROM observations i WHERE i.subject = o.subject ORDER BY i.at DESC, i.id DESC LIMIT 1)
          AND o.agent_id = ? ORDER BY o.subject`).all(agentId, agentId) as CurrentState[];
      return { cursor: { agentId, committed, above }, inGap, owned };
    })();
  }

  cursors(): AgentCursor[] {
    const above = this.db.prepare(`SELECT seq FROM observations WHERE agent_id = ? AND seq > ?
      UNION SELECT seq FROM hidden_flaps WHERE agent_id = ? AND seq > ?
      UNION SELECT seq FROM rejected_events WHERE agent_id = ? AND seq > ?`).pluck();
    return this.db.transaction(() => this.agents().map((a) => ({
      agentId: a.id, committed: a.committedSeq, above: above.all(a.id, a.committedSeq, a.id, a.committedSeq, a.id, a.committedSeq) as number[],
    })))();
  }

  /** Latest observation per subject (ties broken by insertion order). */
  currentStates(): CurrentState[] {
    return this.db.prepare(`SELECT s.name subject, o.kind, o.state, o.at, k.agent_id agentId FROM subjects s
      JOIN observation_rows o ON o.id = (SELECT id FROM observation_rows i WHERE i.subject_id = s.id ORDER BY at DESC, id DESC LIMIT 1)
      LEFT JOIN agent_keys k ON k.id = o.agent_key`).all() as CurrentState[];
  }

  recordHello(h: HelloRecord): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['observations']);
      this.upsertAgent.run({ id: h.agentId, now: h.at, offset: h.clockOffsetMs, version: h.version, host: h.host === undefined ? null : JSON.stringify(h.host) });
      if (h.lost) {
        this.openGapStmt.run(h.agentId, h.at, h.at, 'events_lost', h.lost.from, h.lost.to);
        this.setCommitted.run(h.lost.committed, h.at, h.agentId);
      }
      if (h.closeGap) this.closeGapStmt.run(h.at, h.agentId);
      for (const o of h.observations) this.insert(o, h.at);
      this.chain.seal(sealed);
    }).immediate();
  }

  recordSilence(s: SilenceRecord): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['observations']);
      this.openGapStmt.run(s.agentId, s.start, null, 'silent', null, null);
      for (const o of s.observations) this.insert(o, s.at);
      this.chain.seal(sealed);
    }).immediate();
  }

  /** One observation the collector makes; false when (agent, seq) is already stored. */
  private insert(o: ObservationRow, receivedAt: number): boolean {
    this.putSubject.run(o.subject);
    if (o.agentId !== null) this.putAgentKey.run(o.agentId);
    const r = this.insObs.run({
      subject: o.subject, kind: o.kind, state: o.state, at: o.at, via: o.via,
      agentId: o.agentId, seq: o.seq, receivedAt,
      evidence: o.evidence === undefined ? null : JSON.stringify(o.evidence),
    });
    return r.changes === 1;
  }

  openGaps(): GapRow[] {
    return this.db.prepare(`SELECT id, agent_id agentId, start, end, reason FROM agent_gaps WHERE end IS NULL ORDER BY id`).all() as GapRow[];
  }

  gaps(from: number, to: number): GapRow[] {
    return this.db.prepare(`SELECT id, agent_id agentId, start, end, reason FROM agent_gaps
      WHERE start < ? AND (end IS NULL OR end > ?) ORDER BY start, id`).all(to, from) as GapRow[];
  }

  /**
   * Bulk load through the projection's own statements (rows.ts), one agent's
   * run of rows at a time, in one transaction. Returns how many were new.
   */
  importObservations(rows: readonly ObservationRow[], receivedAt: number): number {
    const st = (this.statements ??= prepareStatements(this.db));
    let inserted = 0;
    const load = this.db.transaction(() => {
      const sealed = this.chain.mark(['observations']);
      for (let i = 0; i < rows.length;) {
        const agentId = rows[i]!.agentId;
        const flat: unknown[] = [];
        for (; i < rows.length && rows[i]!.agentId === agentId; i++) pushRow(flat, rows[i]!);
        const r = writeItem(st, { agentId, receivedAt, rows: flat });
        inserted += r === true ? flat.length / ROW_WIDTH : r.length;
      }
      this.chain.seal(sealed);
    });
    try {
      load.immediate();
    } catch (e) {
      st.keys.rollback(); // keys made in the transaction are gone with it (keys.ts)
      throw e;
    }
    st.keys.commit();
    return inserted;
  }

  countObservations(): number {
    return this.db.prepare('SELECT count(*) FROM observation_rows').pluck().get() as number;
  }

  /** Rows get growing ids (INTEGER PRIMARY KEY, never reused while the highest stays): the id is the mark. */
  observedSince(mark: number | null): { mark: number; subjects: string[] } {
    return this.db.transaction(() => {
      const now = this.maxId.get() as number;
      if (mark === null || now <= mark) return { mark: mark === null ? now : Math.max(mark, now), subjects: [] };
      return { mark: now, subjects: this.subjectsSince.all(mark, now) as string[] };
    })();
  }

  rejectedEvents(agentId: string): RejectedEvent[] {
    return this.db.prepare(`SELECT agent_id agentId, seq, received_at receivedAt, reason, raw FROM rejected_events
      WHERE agent_id = ? ORDER BY id`).all(agentId) as RejectedEvent[];
  }
}
