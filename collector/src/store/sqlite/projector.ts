/**
 * The projector: moves ingest journal rows (journal.ts) into the store —
 * observations, rejected events, the agents' cursors — in large
 * transactions, each with the store's mark of how far it holds the journal.
 * A crash anywhere is recovered by projecting the rows past the mark.
 */
import type { AgentEvent, HiddenFlapEvent } from '@dcprobe/shared';
import type { Db } from './db.ts';
import { ChainWriter } from './chain.ts';
import { ROW_WIDTH, makeKeys, pushRow, writeItem, type RowsItem, type Statements } from './rows.ts';

/**
 * Events per projection transaction, at most. Every step writes a leaf page
 * of the (subject, at) index per subject it touches, so the larger the step,
 * the fewer page writes per event; the projector falls behind under a burst
 * and its steps grow to this, and at light load they stay small and prompt.
 */
export const PROJECT_EVENTS = 50_000;

export interface Projected {
  /** How far the store now holds the journal (journal row id). */
  through: number;
  /** Events moved (stored, duplicate or quarantined). */
  events: number;
  /** Already in observations: the (agent_id, seq) guard behind the ingest queue's cursors. */
  duplicate: number;
  /** Rows the table refused (a CHECK): kept in rejected_events with the reason, never lost. */
  quarantined: number;
}

/** Projector thread → main thread: how far it has projected, after each step. */
export interface Progress extends Projected { progress: true }

/**
 * The projector's side, on a connection to the store, reading the journal
 * through `source`: its own read-only connection on the projector thread
 * (a write transaction would lock every attached file, the journal's writer
 * included), or the same connection with `j` attached in memory. `step` moves journal rows past the store's mark, oldest
 * first, in one transaction with the new mark, until `maxEvents` have moved
 * or the journal holds no more. A frame the table refuses is retried row by
 * row inside a savepoint, and only the refused rows go to quarantine.
 */
export function projector(db: Db, st: Statements, source: { db: Db; table: string }): { through(): number; step(maxEvents: number): Projected } {
  const take = source.db.prepare(`SELECT id, agent_id agentId, received_at receivedAt, count, events, rejects, committed FROM ${source.table} WHERE id > ? ORDER BY id LIMIT 64`);
  const mark = db.prepare('INSERT INTO ingest_projection (id, through) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET through = excluded.through');
  const markNow = db.prepare('SELECT coalesce(max(through), 0) FROM ingest_projection').pluck();
  let through = markNow.get() as number;
  const chain = new ChainWriter(db);
  // Nested transactions are savepoints: a refused frame is undone alone.
  const frame = db.transaction((f: RowsItem, out: Projected) => moveFrame(st, f, out));
  const row = db.transaction((f: RowsItem, r: number, out: Projected) => moveFrame(st, { ...f, rows: f.rows.slice(r * ROW_WIDTH, (r + 1) * ROW_WIDTH) }, out));
  const step = db.transaction((maxEvents: number): Projected => {
    const out: Projected = { through, events: 0, duplicate: 0, quarantined: 0 };
    const sealed = chain.mark(['observations', 'hidden_flaps']);
    scan: for (;;) {
      const frames = take.all(out.through) as JournalRow[];
      if (frames.length === 0) break;
      for (const raw of frames) {
        const rows: unknown[] = [];
        const flaps: HiddenFlapEvent[] = [];
        const v = JSON.parse(raw.events) as AgentEvent[] | { batch: AgentEvent[] };
        for (const e of Array.isArray(v) ? v : v.batch) {
          if (e.kind === 'hidden-flap') flaps.push(e); else pushRow(rows, e);
        }
        const f: RowsItem = { agentId: raw.agentId, receivedAt: raw.receivedAt, rows };
        for (const e of flaps) {
          try { st.flap.run(st.keys.subject(e.subject), e.since, e.at, st.keys.agent(raw.agentId), e.seq, raw.receivedAt, e.evidence === undefined ? null : JSON.stringify(e.evidence)); }
          catch (err) { st.reject.run(raw.agentId, e.seq, raw.receivedAt, `refused by the store: ${(err as Error).message}`, JSON.stringify(e)); out.quarantined++; }
        }
        makeKeys(st, f); // outside the frame's savepoint, which may be undone alone
        try {
          frame(f, out);
        } catch {
          for (let r = 0; r < rows.length / ROW_WIDTH; r++) {
            try { row(f, r, out); } catch (e) { quarantine(st, f, r, (e as Error).message); out.quarantined++; }
          }
        }
        if (raw.rejects) for (const [seq, reason, text] of JSON.parse(raw.rejects) as [number | null, string, string][]) st.reject.run(raw.agentId, seq, raw.receivedAt, reason, text);
        st.committed.run(raw.agentId, raw.committed, raw.receivedAt, raw.receivedAt);
        out.events += raw.count;
        out.through = raw.id;
        if (out.events >= maxEvents) break scan;
      }
    }
    if (out.through !== through) mark.run(out.through);
    chain.seal(sealed);
    return out;
  });
  return {
    through: () => through,
    step(maxEvents) {
      let p: Projected;
      try {
        p = step.immediate(maxEvents);
      } catch (e) {
        st.keys.rollback(); // keys made in the step are gone with it
        throw e;
      }
      st.keys.commit();
      through = p.through;
      return p;
    },
  };
}

interface JournalRow { id: number; agentId: string; receivedAt: number; count: number; events: string; rejects: string | null; committed: number }

function moveFrame(st: Statements, f: RowsItem, out: Projected): void {
  const r = writeItem(st, f);
  if (r !== true) out.duplicate += f.rows.length / ROW_WIDTH - r.length;
}

function quarantine(st: Statements, f: RowsItem, r: number, reason: string): void {
  const [subject, kind, state, at, via, seq, evidence] = f.rows.slice(r * ROW_WIDTH, (r + 1) * ROW_WIDTH);
  const raw = JSON.stringify({ seq, subject, kind, state, at, via, evidence: typeof evidence === 'string' ? JSON.parse(evidence) as unknown : undefined });
  st.reject.run(f.agentId, seq, f.receivedAt, `refused by the store: ${reason}`, raw);
}
