/**
 * The observation store: observations (state changes per subject) with their
 * agent and seq, rejected events kept verbatim, agents and their gaps.
 * Every write that acks depends on happens in one transaction per flush.
 */
import type { State } from '@dcprobe/shared';
import type { AgentRow, CurrentState, GapRow, ObservationRow } from '../types.ts';
import type { Db } from './db.ts';
import { Keys } from './keys.ts';
import { ROW_WIDTH, prepareStatements, pushRow, writeItem, type Statements } from './rows.ts';

export class ObservationStore {
  private readonly insObs;
  private readonly putSubject;
  private readonly putAgentKey;
  private readonly upsertAgent;
  private readonly setCommitted;
  constructor(readonly db: Db) {
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
  }

  private statements: Statements | null = null;

  /**
   * Bulk load (benchmarks, fixtures): one agent's rows at a time through the
   * projection's own statements (rows.ts), in the caller's transaction.
   * Returns the seqs actually inserted; the others were already stored.
   */
  insertMany(rows: readonly ObservationRow[], receivedAt: number): Set<number> {
    // Fresh keys per call: the caller's transaction may still roll back (keys.ts).
    const st = { ...(this.statements ??= prepareStatements(this.db)), keys: new Keys(this.db) };
    const inserted = new Set<number>();
    for (let i = 0; i < rows.length;) {
      const agentId = rows[i]!.agentId;
      const flat: unknown[] = [];
      for (; i < rows.length && rows[i]!.agentId === agentId; i++) pushRow(flat, rows[i]!);
      const r = writeItem(st, { agentId, receivedAt, rows: flat });
      if (r === true) for (let k = 0; k < flat.length; k += ROW_WIDTH) inserted.add(flat[k + 5] as number);
      else for (const s of r) inserted.add(s);
    }
    return inserted;
  }

  /** Inserts one observation; false when (agent, seq) is already stored (a duplicate). */
  insert(o: ObservationRow, receivedAt: number): boolean {
    this.putSubject.run(o.subject);
    if (o.agentId !== null) this.putAgentKey.run(o.agentId);
    const r = this.insObs.run({
      subject: o.subject, kind: o.kind, state: o.state, at: o.at, via: o.via,
      agentId: o.agentId, seq: o.seq, receivedAt,
      evidence: o.evidence === undefined ? null : JSON.stringify(o.evidence),
    });
    return r.changes === 1;
  }

  touchAgent(id: string, now: number, offsetMs: number | null, version: string | null, host: unknown): void {
    this.upsertAgent.run({ id, now, offset: offsetMs, version, host: host === undefined ? null : JSON.stringify(host) });
  }

  saveCommitted(id: string, seq: number, now: number): void {
    this.setCommitted.run(seq, now, id);
  }

  agents(): AgentRow[] {
    return this.db.prepare(`SELECT id, committed_seq committedSeq, first_seen firstSeen, last_seen lastSeen,
      clock_offset_ms clockOffsetMs, version, host FROM agents ORDER BY id`).all() as AgentRow[];
  }

  /** Seqs above `committed` already stored for an agent (events after a gap), to rebuild the ack cursor. */
  seqsAbove(agentId: string, committed: number): number[] {
    const a = this.db.prepare(`SELECT seq FROM observations WHERE agent_id = ? AND seq > ?`).pluck().all(agentId, committed) as number[];
    const b = this.db.prepare(`SELECT seq FROM rejected_events WHERE agent_id = ? AND seq > ?`).pluck().all(agentId, committed) as number[];
    return [...a, ...b];
  }

  /** Latest observation per subject (ties broken by insertion order). */
  current(): CurrentState[] {
    return this.db.prepare(`SELECT s.name subject, o.kind, o.state, o.at, k.agent_id agentId FROM subjects s
      JOIN observation_rows o ON o.id = (SELECT id FROM observation_rows i WHERE i.subject_id = s.id ORDER BY at DESC, id DESC LIMIT 1)
      LEFT JOIN agent_keys k ON k.id = o.agent_key`).all() as CurrentState[];
  }

  openGap(agentId: string, start: number, reason: string, lost?: { from: number; to: number }): number {
    const r = this.db.prepare(`INSERT INTO agent_gaps (agent_id, start, end, reason, lost_from_seq, lost_to_seq) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(agentId, start, lost ? start : null, reason, lost?.from ?? null, lost?.to ?? null);
    return Number(r.lastInsertRowid);
  }

  closeGap(agentId: string, end: number): void {
    this.db.prepare(`UPDATE agent_gaps SET end = ? WHERE agent_id = ? AND end IS NULL`).run(end, agentId);
  }

  openGaps(): GapRow[] {
    return this.db.prepare(`SELECT id, agent_id agentId, start, end, reason FROM agent_gaps WHERE end IS NULL`).all() as GapRow[];
  }

  gaps(from: number, to: number): GapRow[] {
    return this.db.prepare(`SELECT id, agent_id agentId, start, end, reason FROM agent_gaps
      WHERE start < ? AND (end IS NULL OR end > ?) ORDER BY start`).all(to, from) as GapRow[];
  }

  /** Observations of the given subjects up to `until`, oldest first, for reconciliation. */
  observationsFor(subjects: readonly string[], until: number): { subject: string; state: State; at: number }[] {
    if (subjects.length === 0) return [];
    const stmt = this.db.prepare(`SELECT subject, state, at FROM observations WHERE subject IN (SELECT value FROM json_each(?)) AND at <= ? ORDER BY at, id`);
    return stmt.all(JSON.stringify(subjects), until) as { subject: string; state: State; at: number }[];
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM observation_rows').pluck().get() as number;
  }
}
