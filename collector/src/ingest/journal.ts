/**
 * The ingest journal: what an ack promises is committed here, one row per
 * frame (its events as JSON text), and then moved into `observations` by the
 * projection, which pays for the (subject, at) and (agent_id, seq) B-tree
 * inserts off the ack's path and in far larger transactions.
 *
 * Why: on the two-core reference machine SQLite costs ~10 µs of CPU per event
 * inserted into the indexed table, ~2 µs per event journalled as frames, and
 * ~9 µs per event when the projection moves 20,000 at a time
 * (`node bench/tools/journal-cost.mjs`, docs/benchmarks.md "Frame journal").
 * A burst is acked at the journal's pace; the projection catches up after it.
 *
 * Readers that need every acked event in `observations` (the SLA ledger's
 * API, reports) wait for the projection first (`Writer.settled`); the
 * collector's current state and domain metrics never read the table, so they
 * move with the ack.
 *
 * Both functions run on the thread that owns the writing connection.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../store/db.ts';
import type { WireEvent } from '@dcprobe/shared';
import { ROW_WIDTH, pushRow, writeItem, type CommitJob, type RowsItem, type Statements } from './writer.ts';

type Stmt = Database.Statement<unknown[]>;

export interface JournalStatements {
  put: Stmt;
  take: Stmt;
  drop: Stmt;
  pending: Stmt;
}

export function prepareJournal(db: Db): JournalStatements {
  return {
    put: db.prepare('INSERT INTO ingest_journal (agent_id, received_at, count, events) VALUES (?, ?, ?, ?)'),
    take: db.prepare('SELECT id, agent_id agentId, received_at receivedAt, events FROM ingest_journal WHERE id > ? ORDER BY id LIMIT 64'),
    drop: db.prepare('DELETE FROM ingest_journal WHERE id <= ?'),
    pending: db.prepare('SELECT coalesce(sum(count), 0) FROM ingest_journal').pluck(),
  };
}

/**
 * One transaction for the whole job: each item's events as one journal row,
 * its rejects and its agent's cursor. Returns the events journalled.
 */
export function journalJob(db: Db, st: Statements, j: JournalStatements, job: CommitJob): number {
  return db.transaction(() => {
    let events = 0;
    for (const it of job.items) {
      if (it.count > 0) j.put.run(it.agentId, it.receivedAt, it.count, it.events);
      events += it.count;
      for (const [seq, reason, raw] of it.rejects) st.reject.run(it.agentId, seq, it.receivedAt, reason, raw);
      st.committed.run(it.agentId, it.committed, it.receivedAt, it.receivedAt);
    }
    return events;
  }).immediate();
}

export interface Projected {
  /** Events moved out of the journal (stored, duplicate or quarantined). */
  events: number;
  /** Already in observations: the (agent_id, seq) guard behind the ledger's cursors. */
  duplicate: number;
  /** Rows the table refused (a CHECK): kept in rejected_events with the reason, never lost. */
  quarantined: number;
}

/**
 * Moves journal frames into observations, oldest first, in one transaction,
 * until `maxEvents` have moved, the journal is empty, or `stop()` says a
 * commit is waiting (checked after each frame, so an ack waits for at most
 * one frame's inserts). A frame the table refuses is retried row by row
 * inside a savepoint, and only the refused rows go to quarantine.
 */
export function project(db: Db, st: Statements, j: JournalStatements, maxEvents: number, stop: () => boolean = () => false): Projected {
  const out: Projected = { events: 0, duplicate: 0, quarantined: 0 };
  const frame = db.transaction((f: Frame) => moveFrame(st, f, out));
  const row = db.transaction((f: Frame, r: number) => moveFrame(st, { ...f, rows: f.rows.slice(r * ROW_WIDTH, (r + 1) * ROW_WIDTH) }, out));
  db.transaction(() => {
    let last = 0;
    scan: for (;;) {
      const frames = j.take.all(last) as { id: number; agentId: string; receivedAt: number; events: string }[];
      if (frames.length === 0) break;
      for (const raw of frames) {
        const rows: unknown[] = [];
        const v = JSON.parse(raw.events) as WireEvent[] | { batch: WireEvent[] };
        for (const e of Array.isArray(v) ? v : v.batch) pushRow(rows, e);
        const f: Frame = { agentId: raw.agentId, receivedAt: raw.receivedAt, rows };
        const n = f.rows.length / ROW_WIDTH;
        try {
          frame(f);
        } catch {
          for (let r = 0; r < n; r++) {
            try { row(f, r); } catch (e) { quarantine(st, f, r, (e as Error).message); out.quarantined++; }
          }
        }
        out.events += n;
        last = raw.id;
        if (out.events >= maxEvents || stop()) break scan;
      }
    }
    if (last) j.drop.run(last);
  }).immediate();
  return out;
}

type Frame = RowsItem;

function moveFrame(st: Statements, f: Frame, out: Projected): void {
  const r = writeItem(st, f);
  if (r !== true) out.duplicate += f.rows.length / ROW_WIDTH - r.length;
}

function quarantine(st: Statements, f: Frame, r: number, reason: string): void {
  const v = f.rows.slice(r * ROW_WIDTH, (r + 1) * ROW_WIDTH);
  const [subject, kind, state, at, via, seq, evidence] = v;
  const raw = JSON.stringify({ seq, subject, kind, state, at, via, evidence: typeof evidence === 'string' ? JSON.parse(evidence) as unknown : undefined });
  st.reject.run(f.agentId, seq, f.receivedAt, `refused by the store: ${reason}`, raw);
}
