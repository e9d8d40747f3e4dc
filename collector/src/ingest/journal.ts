/**
 * The ingest journal: what an ack promises is committed here, one row per
 * agent frame (its new events as JSON text, its rejects, the agent's cursor),
 * in a SQLite file of its own beside the store (`<database>.ingest`). The
 * projector then moves it into the store — observations and their indexes,
 * rejected_events, agents' cursors — in large transactions on another thread.
 *
 * Why two files: SQLite has one writer per file. In one file, every
 * projection step held off the next ack; in two, the journal's commits
 * (~2 µs of CPU per event, one fsync per group) and the projection (~9 µs per
 * event, its B-tree inserts sharing index pages across steps of up to
 * PROJECT_EVENTS) run
 * side by side on the two cores (`node bench/tools/journal-cost.mjs`,
 * docs/benchmarks.md "Frame journal").
 *
 * The store records how far it has projected (`ingest_projection.through`, in
 * the same transaction as the rows), so a crash anywhere is recovered by
 * projecting the journal rows past it; rows at or below it are trimmed by the
 * journal's writer once the projector says so.
 *
 * Readers that need every acked event in observations (the SLA ledger's API,
 * reports) wait for the projection first (`Writer.settled`); the collector's
 * current state and domain metrics never read the table, so they move with
 * the ack.
 */
import Database from 'better-sqlite3';
import type { WireEvent } from '@dcprobe/shared';
import { walPragmas, type Db } from '../store/db.ts';
import { ROW_WIDTH, makeKeys, pushRow, writeItem, type CommitJob, type RowsItem, type Statements } from './writer.ts';

/** The journal's schema. AUTOINCREMENT: an id is never reused after a trim, so `through` stays a true boundary. */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ingest_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    count INTEGER NOT NULL,
    events TEXT NOT NULL,
    rejects TEXT,
    committed INTEGER NOT NULL
  ) STRICT;
`;

/** The journal file of a store file. */
export function journalFile(database: string): string {
  return `${database}.ingest`;
}

/** A journal file opened read-only, for the projector. */
export function readJournal(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Opens (creating if need be) a journal file: WAL, synchronous=FULL, as an ack needs. */
export function openJournal(file: string): Db {
  const db = new Database(file);
  walPragmas(db, 'FULL');
  db.exec(SCHEMA);
  return db;
}

/**
 * A journal must number its rows past the store's mark: the projector takes
 * only rows above it. A store restored from a backup, or a journal file lost,
 * meets a journal whose ids would start again at 1, and its new events would
 * be acked but never projected. The ids continue after the mark instead.
 */
export function alignJournal(journal: Db, store: Db): void {
  const mark = store.prepare('SELECT coalesce(max(through), 0) FROM ingest_projection').pluck().get() as number;
  const next = journal.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ingest_journal'), 0)").pluck().get() as number;
  if (next >= mark) return;
  journal.transaction(() => {
    journal.prepare("DELETE FROM sqlite_sequence WHERE name = 'ingest_journal'").run();
    journal.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('ingest_journal', ?)").run(mark);
  }).immediate();
}

/** The journal attached to a connection as schema `j` (an in-memory one for an in-memory store). */
export function attachJournal(db: Db, file: string): void {
  db.prepare('ATTACH DATABASE ? AS j').run(file);
  db.exec(SCHEMA.replace('ingest_journal', 'j.ingest_journal'));
}

export interface Journalled {
  /** The id of the last journal row written, or the previous one if none. */
  through: number;
  /** Events journalled. */
  events: number;
}

/** The journal writer's side: one transaction for the whole job. */
export function journalWriter(db: Db, schema = 'main'): { write(job: CommitJob): Journalled; trim(through: number): void } {
  const put = db.prepare(`INSERT INTO ${schema}.ingest_journal (agent_id, received_at, count, events, rejects, committed) VALUES (?, ?, ?, ?, ?, ?)`);
  const drop = db.prepare(`DELETE FROM ${schema}.ingest_journal WHERE id <= ?`);
  let through = (db.prepare(`SELECT coalesce(max(id), 0) FROM ${schema}.ingest_journal`).pluck().get() as number);
  const write = db.transaction((job: CommitJob) => {
    let events = 0;
    for (const it of job.items) {
      const r = put.run(it.agentId, it.receivedAt, it.count, it.count > 0 ? it.events : '[]', it.rejects.length ? JSON.stringify(it.rejects) : null, it.committed);
      through = Number(r.lastInsertRowid);
      events += it.count;
    }
    return { through, events };
  });
  return { write: (job) => write.immediate(job), trim: (t) => { drop.run(t); } };
}

export interface Projected {
  /** How far the store now holds the journal (journal row id). */
  through: number;
  /** Events moved (stored, duplicate or quarantined). */
  events: number;
  /** Already in observations: the (agent_id, seq) guard behind the ledger's cursors. */
  duplicate: number;
  /** Rows the table refused (a CHECK): kept in rejected_events with the reason, never lost. */
  quarantined: number;
}

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
  // Nested transactions are savepoints: a refused frame is undone alone.
  const frame = db.transaction((f: RowsItem, out: Projected) => moveFrame(st, f, out));
  const row = db.transaction((f: RowsItem, r: number, out: Projected) => moveFrame(st, { ...f, rows: f.rows.slice(r * ROW_WIDTH, (r + 1) * ROW_WIDTH) }, out));
  const step = db.transaction((maxEvents: number): Projected => {
    const out: Projected = { through, events: 0, duplicate: 0, quarantined: 0 };
    scan: for (;;) {
      const frames = take.all(out.through) as JournalRow[];
      if (frames.length === 0) break;
      for (const raw of frames) {
        const rows: unknown[] = [];
        const v = JSON.parse(raw.events) as WireEvent[] | { batch: WireEvent[] };
        for (const e of Array.isArray(v) ? v : v.batch) pushRow(rows, e);
        const f: RowsItem = { agentId: raw.agentId, receivedAt: raw.receivedAt, rows };
        makeKeys(st, f); // outside the frame's savepoint, which may be undone alone
        try {
          frame(f, out);
        } catch {
          for (let r = 0; r < raw.count; r++) {
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
