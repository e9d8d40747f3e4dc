/**
 * The projector thread: owns a connection to the store with the ingest
 * journal attached, and moves journal rows into the store, a step at a time,
 * as far as the main thread asks (see writer.ts for when, projector.ts for how).
 * A step is one transaction with its mark, fsync'd (synchronous=FULL), so the
 * journal writer may trim what the mark covers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from './db.ts';
import { readJournal } from './journal.ts';
import { PROJECT_EVENTS, projector, type Progress } from './projector.ts';
import { prepareStatements } from './rows.ts';

type Message = { work: number } | { id: number; settle: number } | { close: true };

const { file, journal, synchronous, holdProjection } = workerData as { file: string; journal: string; synchronous: 'FULL' | 'NORMAL'; holdProjection: boolean };
const port = parentPort!;
// The same opening as the main thread's (WAL, synchronous, busy timeout); the
// main thread has migrated already, so that step is a no-op. SQLite's own
// checkpoint interval (1,000 pages) is kept: only this connection checkpoints.
const db = openDb(file, { synchronous });
const jdb = readJournal(journal);
const pj = projector(db, prepareStatements(db), { db: jdb, table: 'ingest_journal' });
/** The journal row the main thread last asked to be projected through. */
let known = jdb.prepare('SELECT coalesce(max(id), 0) FROM ingest_journal').pluck().get() as number;

/** One step; its progress goes to the main thread, which counts what is pending from it. */
function step(report = true): void {
  const p = pj.step(PROJECT_EVENTS);
  if (report) port.postMessage({ ...p, progress: true } satisfies Progress);
}

function projectAll(through: number, report = true): void {
  while (pj.through() < through) {
    const before = pj.through();
    step(report);
    if (pj.through() === before) break; // nothing more in the journal (rows trimmed or not yet visible)
  }
}

let scheduled = false;
/** One step per turn of the event loop, so a settle or close waits at most one step. */
function schedule(): void {
  if (scheduled || holdProjection || pj.through() >= known) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    try {
      step();
      schedule();
    } catch {
      // A step that failed (disk full, I/O) rolled back and left the journal as
      // it was; the next request or a settle tries again, not a busy loop.
    }
  });
}

projectAll(known, false); // what the previous run acked but did not project: before any count starts
port.postMessage({ ready: true });

port.on('message', (m: Message) => {
  if ('close' in m) { projectAll(known); jdb.close(); db.close(); port.close(); return; }
  if ('work' in m) { known = Math.max(known, m.work); schedule(); return; }
  try {
    known = Math.max(known, m.settle);
    projectAll(m.settle);
    port.postMessage({ id: m.id, ok: true });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, message: (e as Error).message });
  }
});
