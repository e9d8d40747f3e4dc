/**
 * The store writer thread: owns one connection to the store file, commits the
 * jobs the main thread posts to the journal, one at a time, in order, and
 * projects the journal into observations in between (see writer.ts, journal.ts).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openDb } from '../store/db.ts';
import { prepareStatements, MAX_PENDING, PROJECT_EVENTS, type CommitJob, type Reply, type WriterOptions, type WriterStats } from './writer.ts';
import { journalJob, prepareJournal, project } from './journal.ts';

type Message = { id: number; job: CommitJob } | { id: number; settle: true } | { close: true };

const { file, synchronous, maxPending = MAX_PENDING, holdProjection = false } = workerData as WriterOptions & { file: string };
const port = parentPort!;
// The same opening as the main thread's (WAL, synchronous, busy timeout: all
// per connection); the main thread has migrated already, so that step is a no-op.
const db = openDb(file, { synchronous });
// SQLite's own checkpoint interval (1,000 pages) is kept: 10,000 gained at
// most ~10 % at saturation but took the ack p99 at 10,000 events/s from
// 37 ms to 214 ms, the checkpoint then copying ~40 MB inside one commit
// (docs/benchmarks.md). Only this connection checkpoints (see writer.ts).
const st = prepareStatements(db);
const j = prepareJournal(db);
const stats: WriterStats = { pending: j.pending.get() as number, duplicate: 0, quarantined: 0 };

/**
 * A projection step is not what an ack promises (the journal already holds
 * its rows), so it commits without the WAL fsync; the next journal commit's
 * fsync covers it, the WAL being one file written in order. A power cut
 * loses at most a step, whose rows are still in the journal.
 */
let sync = synchronous;
function setSync(want: 'FULL' | 'NORMAL'): void {
  if (synchronous === 'FULL' && sync !== want) { db.pragma(`synchronous = ${want}`); sync = want; }
}

/** One projection step; `stop` ends it early when a commit is waiting. */
function step(stop?: () => boolean): number {
  setSync('NORMAL');
  const p = project(db, st, j, PROJECT_EVENTS, stop);
  stats.pending -= p.events;
  stats.duplicate += p.duplicate;
  stats.quarantined += p.quarantined;
  return p.events;
}

function projectDownTo(limit: number): void {
  while (stats.pending > limit && step() > 0);
}

function handle(m: Message): void {
  if ('close' in m) { projectDownTo(0); db.close(); port.close(); return; }
  try {
    if ('settle' in m) projectDownTo(0);
    else {
      // Overload: the journal may not outgrow what a read can wait for.
      if (stats.pending > maxPending) projectDownTo(maxPending / 2);
      setSync('FULL');
      stats.pending += journalJob(db, st, j, m.job);
    }
    port.postMessage({ id: m.id, ok: true, stats } satisfies Reply);
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, message: (e as Error).message, stats } satisfies Reply);
  }
  idle();
}

let scheduled = false;
/** Projects while no message waits; a message that arrives is handled after the step commits. */
function idle(): void {
  if (scheduled || stats.pending <= 0 || holdProjection) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    let next: { message: Message } | undefined;
    let ok = true;
    try {
      step(() => (next = receiveMessageOnPort(port) as { message: Message } | undefined) !== undefined);
    } catch {
      // A step that failed (disk full, I/O) rolled back and left its frames in
      // the journal; the next commit or settle tries again, not a busy loop.
      ok = false;
    }
    port.postMessage({ stats } satisfies Reply);
    if (next) handle(next.message); else if (ok) idle();
  });
}

projectDownTo(0); // what the previous run acked but did not project
port.postMessage({ ready: true, stats } satisfies Reply);
port.on('message', handle);
