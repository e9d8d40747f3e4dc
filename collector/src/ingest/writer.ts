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
 * the projection keeps). `writeItem` is the insert into `observations`
 * itself, shared by the projection and bulk loads.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Db } from '../store/db.ts';
import { Keys } from '../store/keys.ts';
import { alignJournal, attachJournal, journalFile, journalWriter, openJournal, projector, type Journalled, type Projected } from './journal.ts';

/** Values per event row in `RowsItem.rows`: subject, kind, state, at, via, seq, evidence (JSON text or null). */
export const ROW_WIDTH = 7;

/** Appends one event to a flat `RowsItem.rows` array in that layout. */
export function pushRow(rows: unknown[], e: { subject: string; kind: string; state: string; at: number; via: string; seq: number | null; evidence?: unknown }): void {
  rows.push(e.subject, e.kind, e.state, e.at, e.via, e.seq, e.evidence === undefined ? null : JSON.stringify(e.evidence));
}

/** One agent frame's share of a commit, as the main thread hands it over. */
export interface CommitItem {
  agentId: string;
  receivedAt: number;
  /**
   * The frame's new events as JSON text: the events frame as received when
   * all of it is new (`{"type":"events","v":1,"batch":[…]}`), else an array
   * of the new events. One string is cheap to pass between threads and is
   * journalled as it is; the rows are built by the projection, off the ack's path.
   */
  events: string;
  count: number;
  /** Events that failed validation, kept verbatim: [seq, reason, raw]. */
  rejects: [number | null, string, string][];
  /** The agent's ack cursor once this item is committed (stored with it). */
  committed: number;
}

/** Rows for `writeItem`: the projection's, or a bulk load's (no agent for the collector's own rows). */
export interface RowsItem {
  agentId: string | null;
  receivedAt: number;
  /** Flat: ROW_WIDTH values per event. */
  rows: unknown[];
}

export interface CommitJob { items: CommitItem[] }

/** What the projection has done so far, for /metrics. */
export interface WriterStats {
  /** Events acked (in the journal) but not yet in observations. */
  pending: number;
  /** Projected rows already stored (the (agent_id, seq) guard behind the cursors). */
  duplicate: number;
  /** Projected rows the table refused, kept in rejected_events. */
  quarantined: number;
}

export interface Writer {
  /** Resolves once the job is durably committed (journalled). */
  commit(job: CommitJob): Promise<void>;
  /** Resolves once every event committed before the call is in observations. */
  settled(): Promise<void>;
  stats(): WriterStats;
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
 * Events per projection transaction, at most. Every step writes a leaf page
 * of the (subject, at) index per subject it touches, so the larger the step,
 * the fewer page writes per event; the projector falls behind under a burst
 * and its steps grow to this, and at light load they stay small and prompt.
 */
export const PROJECT_EVENTS = 50_000;
/**
 * When the projector is asked to catch up: once ingest has been quiet this
 * long, once the oldest unprojected event has waited PROJECT_MAX_AGE_MS, once
 * half the bound is pending, or when a read needs it (settle). Meanwhile a
 * burst's acks have both cores: projecting alongside halved them here, the
 * two threads' fsyncs and page writes queueing on one disk (docs/benchmarks.md).
 */
export const PROJECT_QUIET_MS = 50;
export const PROJECT_MAX_AGE_MS = 1_000;

/** Rows per multi-row INSERT: 9 parameters each, far below SQLite's 32,766. */
const CHUNK = 100;

type Stmt = Database.Statement<unknown[]>;

export interface Statements {
  insert(n: number): Stmt;
  inserted: Stmt;
  reject: Stmt;
  committed: Stmt;
  /** Subject and agent keys for observation_rows, cached on this connection (store/keys.ts). */
  keys: Keys;
}

export function prepareStatements(db: Db): Statements {
  const byCount = new Map<number, Stmt>();
  return {
    insert(n) {
      let s = byCount.get(n);
      if (!s) {
        // ON CONFLICT DO NOTHING skips only an (agent, seq) already stored; unlike
        // INSERT OR IGNORE it does not also drop a row that breaks a CHECK silently.
        s = db.prepare(`INSERT INTO observation_rows (subject_id, kind, state, at, via, seq, evidence, agent_key, received_at)
          VALUES ${new Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`);
        byCount.set(n, s);
      }
      return s;
    },
    // The rows of one multi-row INSERT get consecutive rowids ending at lastInsertRowid.
    inserted: db.prepare(`SELECT seq FROM observation_rows WHERE agent_key IS ? AND id > ? AND seq IS NOT NULL`).pluck(),
    reject: db.prepare(`INSERT INTO rejected_events (agent_id, seq, received_at, reason, raw) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    // max(): a hello that skipped the cursor forward (lost events) may have stored a higher one meanwhile.
    committed: db.prepare(`INSERT INTO agents (id, committed_seq, first_seen, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET committed_seq = max(committed_seq, excluded.committed_seq), last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`),
    keys: new Keys(db),
  };
}

/** Makes the keys of an item's subjects and agent, before a savepoint that may be undone alone (store/keys.ts). */
export function makeKeys(st: Statements, it: RowsItem): void {
  st.keys.agent(it.agentId);
  for (let v = 0; v < it.rows.length; v += ROW_WIDTH) st.keys.subject(it.rows[v] as string);
}

/**
 * One item's writes into observations, inside the caller's transaction. ON
 * CONFLICT DO NOTHING plus the unique (agent_key, seq) index is the second
 * guard behind the main thread's cursors. Returns `true` when every row was
 * new, else the seqs actually inserted.
 */
export function writeItem(st: Statements, it: RowsItem): true | number[] {
  let some: number[] | null = null; // stays null while every row is new (the common case)
  const n = it.rows.length / ROW_WIDTH;
  const seqAt = (r: number) => it.rows[r * ROW_WIDTH + 5] as number;
  const agent = st.keys.agent(it.agentId);
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    const params: unknown[] = new Array(m * 9);
    for (let r = 0, p = 0, v = i * ROW_WIDTH; r < m; r++) {
      params[p++] = st.keys.subject(it.rows[v++] as string);
      for (let k = 1; k < ROW_WIDTH; k++) params[p++] = it.rows[v++];
      params[p++] = agent;
      params[p++] = it.receivedAt;
    }
    const res = st.insert(m).run(params);
    if (res.changes === m) { if (some) for (let r = i; r < i + m; r++) some.push(seqAt(r)); continue; }
    if (!some) { some = []; for (let r = 0; r < i; r++) some.push(seqAt(r)); }
    if (res.changes > 0) some.push(...(st.inserted.all(agent, Number(res.lastInsertRowid) - res.changes) as number[]));
  }
  return some ?? true;
}

/**
 * The writer for a store file, resolved once both threads are up and the
 * journal left by the previous run is projected (so the ledger's cursors,
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
  const stats: WriterStats = { pending: 0, duplicate: 0, quarantined: 0 };
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

/** Projector → main: how far it has projected, after each step. */
export interface Progress extends Projected { progress: true }

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
    this.projector = new Thread('projector-thread.ts', { file, journal, synchronous: opts.synchronous, holdProjection: opts.holdProjection ?? false },
      (m) => this.progress(m as Progress));
    this.writer = new Thread('writer-thread.ts', { journal }, () => {});
  }

  async open(): Promise<void> {
    await this.projector.ready();
    await this.writer.ready();
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

  stats(): WriterStats {
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

type Reply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; message: string } | { ready: true };

/**
 * One worker thread running `entry` (beside this file) with `data`: calls
 * answered by id, other messages to `onMessage`. A thread that died fails
 * what waited and is started afresh on the next call.
 */
class Thread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private started: Promise<void>;

  constructor(private readonly entry: string, private readonly data: Record<string, unknown>, private readonly onMessage: (m: unknown) => void) {
    this.started = this.start();
  }

  ready(): Promise<void> { return this.started; }

  private start(): Promise<void> {
    const w = new Worker(new URL('./thread.mjs', import.meta.url), { workerData: { ...this.data, entry: this.entry } });
    let opened: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => { opened = resolve; failed = reject; });
    w.on('message', (m: Reply | Record<string, unknown>) => {
      if ('ready' in m) { opened(); return; }
      if (!('id' in m) || typeof m.id !== 'number') { this.onMessage(m); return; }
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.ok) p.resolve((m as { result?: unknown }).result); else p.reject(new Error((m as { message: string }).message));
    });
    const name = String(this.data.file ?? this.data.journal);
    const role = this.entry.replace(/-thread\.ts$/, ''); // writer, projector
    const died = (why: string) => {
      failed(new Error(`store ${role} for ${name} stopped: ${why}`));
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.waiting) { this.waiting.delete(id); p.reject(new Error(`store ${role} stopped: ${why}`)); }
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    this.worker = w;
    ready.catch(() => {}); // a restart nobody awaits must not become an unhandled rejection
    return ready;
  }

  private live(): Worker {
    if (this.closed) throw new Error('store writer closed');
    if (!this.worker) this.started = this.start();
    return this.worker!;
  }

  call(msg: Record<string, unknown>): Promise<unknown> {
    let w: Worker;
    try { w = this.live(); } catch (e) { return Promise.reject(e); }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...msg }); // queued by the port until the thread listens
    });
  }

  post(msg: Record<string, unknown>): void {
    if (!this.closed) this.live().postMessage(msg);
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ close: true });
    await exited;
  }
}
