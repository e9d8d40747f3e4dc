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
 * reports) wait for the projection first (`Writer.settled`, writer.ts); the collector's
 * current state and domain metrics never read the table, so they move with
 * the ack.
 */
import Database from 'better-sqlite3';
import type { CommitJob } from '../types.ts';
import { walPragmas, type Db } from './db.ts';

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
