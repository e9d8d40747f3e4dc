/**
 * The ingest writer: the one place agent events are written. Two threads of
 * its own, each with its own SQLite connection and file (journal.ts says
 * why): the journal writer commits each job to the ingest journal, durable
 * before the ack; the projector moves the journal into the store. Both
 * overlap with the main thread's WebSocket, JSON and validation work, so on
 * the two-core reference machine ingest uses both cores. Commits are strictly
 * one at a time, in submission order, so the main thread's ack cursors stay a
 * plain function of what was committed.
 *
 * The journal is bounded: past `maxPending` events not yet projected, a
 * commit waits for the projector (a sustained overload is acked at the pace
 * the projection keeps).
 */
import { Thread } from '../../lib/thread.ts';
import type { CommitJob, IngestStats } from '../types.ts';
import type { Db } from './db.ts';
import { alignJournal, attachJournal, journalFile, journalWriter, openJournal, type Journalled } from './journal.ts';
import { PROJECT_EVENTS, projector, type Progress } from './projector.ts';
import { prepareStatements } from './rows.ts';

export interface Writer {
  /** Resolves once the job is durably committed (journalled). */
  commit(job: CommitJob): Promise<void>;
  /** Resolves once every event committed before the call is in observations. */
  settled(): Promise<void>;
  /** Pending: journalled, not yet projected; duplicate and quarantined: what the projection found. */
  stats(): IngestStats;
  close(): Promise<void>;
}

export interface WriterOptions {
  synchronous: 'FULL' | 'NORMAL';
  /** Journalled events beyond which a commit waits for the projection (default 500,000). */
  maxPending?: number;
  /** Fault injection for tests: project only when a read waits (settle) or on close. */
  holdProjection?: boolean;
}

/** ~5 s of projection on the reference machine: the longest a read waits for it under overload. */
export const MAX_PENDING = 500_000;
/**
 * When the projector is asked to catch up: once ingest has been quiet this
 * long, once the oldest unprojected event has waited PROJECT_MAX_AGE_MS, once
 * half the bound is pending, or when a read needs it (settle). Meanwhile a
 * burst's acks have both cores: projecting alongside halved them here, the
 * two threads' fsyncs and page writes queueing on one disk (docs/benchmarks.md).
 */
export const PROJECT_QUIET_MS = 50;
export const PROJECT_MAX_AGE_MS = 1_000;

/**
 * The writer for a store file, resolved once both threads are up and the
 * journal left by the previous run is projected (so the ingest queue's cursors,
 * read next from the store, hold every committed seq). An in-memory store
 * (tests) is written on the caller's thread instead, with an in-memory
 * journal projected right after each commit.
 */
export async function openWriter(db: Db, file: string, opts: WriterOptions): Promise<Writer> {
  if (file === ':memory:') return inlineWriter(db);
  const journal = journalFile(file);
  const j = openJournal(journal); // creates it, before the projector attaches it
  try { alignJournal(j, db); } finally { j.close(); }
  const w = new ThreadWriter(file, journal, opts);
  await w.open();
  // Checkpoints of the store are the projector's: one on this thread would
  // copy tens of MB while the event loop waits.
  db.pragma('wal_autocheckpoint = 0');
  return w;
}

function inlineWriter(db: Db): Writer {
  attachJournal(db, ':memory:');
  const jw = journalWriter(db, 'j');
  const pj = projector(db, prepareStatements(db), { db, table: 'j.ingest_journal' });
  const stats: IngestStats = { pending: 0, duplicate: 0, quarantined: 0 };
  return {
    commit: (job) => new Promise((resolve) => {
      const { through } = jw.write(job);
      while (pj.through() < through) {
        const p = pj.step(PROJECT_EVENTS);
        stats.duplicate += p.duplicate;
        stats.quarantined += p.quarantined;
      }
      jw.trim(pj.through());
      resolve();
    }),
    settled: async () => {},
    stats: () => ({ ...stats }),
    close: async () => {},
  };
}

class ThreadWriter implements Writer {
  private readonly writer: Thread;
  private readonly projector: Thread;
  private readonly maxPending: number;
  private journalled = 0;
  private projected = 0;
  private journalThrough = 0;
  private projectedThrough = 0;
  private trimmed = 0;
  private duplicate = 0;
  private quarantined = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private roomWaiters: (() => void)[] = [];

  constructor(file: string, journal: string, opts: WriterOptions) {
    this.maxPending = opts.maxPending ?? MAX_PENDING;
    this.projector = new Thread({
      entry: new URL('./projector-thread.ts', import.meta.url), label: 'store projector', target: file,
      data: { file, journal, synchronous: opts.synchronous, holdProjection: opts.holdProjection ?? false },
      onMessage: (m) => this.progress(m as Progress),
    });
    this.writer = new Thread({ entry: new URL('./journal-thread.ts', import.meta.url), label: 'store journal writer', target: journal, data: { journal } });
  }

  /** Both threads open, or neither left running: a failed open returns only once both have exited, so nothing writes beside the store after it. */
  async open(): Promise<void> {
    try {
      await this.projector.ready();
      await this.writer.ready();
    } catch (e) {
      await Promise.allSettled([this.projector.close(), this.writer.close()]);
      throw e;
    }
  }

  private progress(p: Progress): void {
    this.projected += p.events;
    this.projectedThrough = Math.max(this.projectedThrough, p.through);
    this.duplicate += p.duplicate;
    this.quarantined += p.quarantined;
    if (this.pending() <= this.maxPending) for (const w of this.roomWaiters.splice(0)) w();
  }

  private pending(): number {
    return this.journalled - this.projected;
  }

  commit(job: CommitJob): Promise<void> {
    const done = this.tail.then(async () => {
      // Past the bound, wait for the projector.
      if (this.pending() > this.maxPending) this.catchUp();
      while (this.pending() > this.maxPending) await new Promise<void>((r) => this.roomWaiters.push(r));
      const trim = this.projectedThrough > this.trimmed ? this.projectedThrough : undefined;
      const r = await this.writer.call({ job, ...(trim ? { trim } : {}) }) as Journalled;
      if (trim) this.trimmed = trim;
      this.journalled += r.events;
      this.journalThrough = r.through;
      this.plan();
    });
    this.tail = done.catch(() => {});
    return done;
  }

  private quiet: NodeJS.Timeout | null = null;
  private aged: NodeJS.Timeout | null = null;

  /** After a commit: ask for the projection now, or arm the quiet and age timers (see PROJECT_QUIET_MS). */
  private plan(): void {
    if (this.pending() >= this.maxPending / 2) { this.catchUp(); return; }
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.catchUp(), PROJECT_QUIET_MS);
    this.aged ??= setTimeout(() => this.catchUp(), PROJECT_MAX_AGE_MS);
  }

  /** Asks the projector for everything journalled so far. */
  private catchUp(): void {
    if (this.quiet) { clearTimeout(this.quiet); this.quiet = null; }
    if (this.aged) { clearTimeout(this.aged); this.aged = null; }
    if (this.journalThrough > this.asked) {
      this.asked = this.journalThrough;
      this.projector.post({ work: this.journalThrough });
    }
  }

  private asked = 0;

  async settled(): Promise<void> {
    await this.tail; // the commits already posted are part of what the caller saw acked
    if (this.projectedThrough >= this.journalThrough) return;
    await this.projector.call({ settle: this.journalThrough });
  }

  stats(): IngestStats {
    return { pending: this.pending(), duplicate: this.duplicate, quarantined: this.quarantined };
  }

  async close(): Promise<void> {
    await this.tail;
    this.catchUp(); // clears the timers; the projector's close projects the rest
    // The writer first (its commit in flight finishes: the agents get their
    // acks), then the projector, which projects the journal so a clean stop leaves none.
    await this.writer.close();
    await this.projector.close();
  }
}
