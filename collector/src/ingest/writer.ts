/**
 * The ingest writer: the one place events are written to the store. It runs
 * on a thread of its own (writer-thread.ts) so that SQLite's work overlaps
 * with the main thread's WebSocket, JSON and validation work instead of
 * following it: on the two-core reference machine that is the difference
 * between one busy core and two. Commits are strictly one at a time, in
 * submission order, so the main thread's ack cursors stay a plain function of
 * what was committed.
 *
 * A commit writes the ingest journal (journal.ts): one row per frame, durable
 * before the ack. The thread then projects the journal into `observations`
 * whenever no commit is waiting, and before a commit once more than
 * `maxPending` events wait (so a sustained overload is acked at the pace the
 * projection keeps, and the journal stays bounded).
 *
 * `writeItem` is the insert into `observations` itself, shared by the
 * projection and bulk loads.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Db } from '../store/db.ts';
import { journalJob, prepareJournal, project } from './journal.ts';

/** Values per event row in `CommitItem.rows`: subject, kind, state, at, via, seq, evidence (JSON text or null). */
export const ROW_WIDTH = 7;

/** Appends one event to a flat `CommitItem.rows` array in that layout. */
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
  /** Fault injection for tests: project only when asked (settle, close) or past maxPending, never when idle. */
  holdProjection?: boolean;
}

/** ~5 s of projection on the reference machine: the longest a read waits for it under overload. */
export const MAX_PENDING = 500_000;
/** Events per projection transaction: large enough to share index pages, small enough to yield often. */
export const PROJECT_EVENTS = 20_000;

/** Rows per multi-row INSERT: 9 parameters each, far below SQLite's 32,766. */
const CHUNK = 100;

type Stmt = Database.Statement<unknown[]>;

export interface Statements {
  insert(n: number): Stmt;
  inserted: Stmt;
  reject: Stmt;
  committed: Stmt;
}

export function prepareStatements(db: Db): Statements {
  const byCount = new Map<number, Stmt>();
  return {
    insert(n) {
      let s = byCount.get(n);
      if (!s) {
        // ON CONFLICT DO NOTHING skips only an (agent, seq) already stored; unlike
        // INSERT OR IGNORE it does not also drop a row that breaks a CHECK silently.
        s = db.prepare(`INSERT INTO observations (subject, kind, state, at, via, seq, evidence, agent_id, received_at)
          VALUES ${new Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`);
        byCount.set(n, s);
      }
      return s;
    },
    // The rows of one multi-row INSERT get consecutive rowids ending at lastInsertRowid.
    inserted: db.prepare(`SELECT seq FROM observations WHERE agent_id = ? AND id > ? AND seq IS NOT NULL`).pluck(),
    reject: db.prepare(`INSERT INTO rejected_events (agent_id, seq, received_at, reason, raw) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    // max(): a hello that skipped the cursor forward (lost events) may have stored a higher one meanwhile.
    committed: db.prepare(`INSERT INTO agents (id, committed_seq, first_seen, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET committed_seq = max(committed_seq, excluded.committed_seq), last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`),
  };
}

/**
 * One item's writes into observations, inside the caller's transaction. ON
 * CONFLICT DO NOTHING plus the unique (agent_id, seq) index is the second
 * guard behind the main thread's cursors. Returns `true` when every row was
 * new, else the seqs actually inserted.
 */
export function writeItem(st: Statements, it: RowsItem): true | number[] {
  let some: number[] | null = null; // stays null while every row is new (the common case)
  const n = it.rows.length / ROW_WIDTH;
  const seqAt = (r: number) => it.rows[r * ROW_WIDTH + 5] as number;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    const params: unknown[] = new Array(m * 9);
    for (let r = 0, p = 0, v = i * ROW_WIDTH; r < m; r++) {
      for (let k = 0; k < ROW_WIDTH; k++) params[p++] = it.rows[v++];
      params[p++] = it.agentId;
      params[p++] = it.receivedAt;
    }
    const res = st.insert(m).run(params);
    if (res.changes === m) { if (some) for (let r = i; r < i + m; r++) some.push(seqAt(r)); continue; }
    if (!some) { some = []; for (let r = 0; r < i; r++) some.push(seqAt(r)); }
    if (res.changes > 0) some.push(...(st.inserted.all(it.agentId, Number(res.lastInsertRowid) - res.changes) as number[]));
  }
  return some ?? true;
}

/**
 * The writer for a store file: a thread owning its own connection, resolved
 * once that connection is open and the journal left by the previous run is
 * projected (so the ledger's cursors, read next from observations, hold every
 * committed seq). An in-memory store (tests) is written on the caller's
 * thread instead, projected right after each commit.
 */
export async function openWriter(db: Db, file: string, opts: WriterOptions): Promise<Writer> {
  if (file === ':memory:') return inlineWriter(db);
  const w = new ThreadWriter(file, opts);
  await w.ready;
  // Checkpoints are the writer thread's (writer-thread.ts): one on this thread
  // would copy tens of MB while the event loop waits.
  db.pragma('wal_autocheckpoint = 0');
  return w;
}

function inlineWriter(db: Db): Writer {
  const st = prepareStatements(db);
  const j = prepareJournal(db);
  const stats: WriterStats = { pending: 0, duplicate: 0, quarantined: 0 };
  const projectAll = () => {
    for (;;) {
      const p = project(db, st, j, PROJECT_EVENTS);
      if (p.events === 0) return;
      stats.duplicate += p.duplicate;
      stats.quarantined += p.quarantined;
    }
  };
  projectAll();
  return {
    commit: (job) => new Promise((resolve) => { journalJob(db, st, j, job); projectAll(); resolve(); }),
    settled: async () => {},
    stats: () => ({ ...stats }),
    close: async () => {},
  };
}

/** Thread → main: a commit's or settle's outcome, or the projection's counters after a step. */
export type Reply = ({ id: number; ok: true } | { id: number; ok: false; message: string } | { ready: true } | { id?: undefined }) & { stats?: WriterStats };

class ThreadWriter implements Writer {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private last: WriterStats = { pending: 0, duplicate: 0, quarantined: 0 };
  ready: Promise<void>;

  constructor(private readonly file: string, private readonly opts: WriterOptions) {
    this.ready = this.start();
  }

  /** Starts the thread; resolves when its connection is open and the old journal projected. */
  private start(): Promise<void> {
    const w = new Worker(new URL('./writer-thread.mjs', import.meta.url), { workerData: { file: this.file, ...this.opts } });
    let opened: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => { opened = resolve; failed = reject; });
    w.on('message', (m: Reply) => {
      if (m.stats) this.last = m.stats;
      if ('ready' in m) { opened(); return; }
      if (m.id === undefined) return;
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.ok) p.resolve(); else p.reject(new Error(m.message));
    });
    // A writer that died took its uncommitted transaction with it: fail what
    // waited (not acked, so the agents resend) and start afresh on the next commit.
    const died = (why: string) => {
      failed(new Error(`store writer for ${this.file} stopped: ${why}`));
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.waiting) { this.waiting.delete(id); p.reject(new Error(`store writer stopped: ${why}`)); }
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    this.worker = w;
    ready.catch(() => {}); // a restart nobody awaits must not become an unhandled rejection
    return ready;
  }

  private call(msg: Record<string, unknown>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store writer closed'));
    if (!this.worker) this.ready = this.start();
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...msg }); // queued by the port until the thread listens
    });
  }

  commit(job: CommitJob): Promise<void> {
    return this.call({ job });
  }

  settled(): Promise<void> {
    // The counters arrive in order with the commits' replies, and an ack
    // follows its reply: nothing pending then means every acked event is in.
    if (this.last.pending === 0 && this.waiting.size === 0) return Promise.resolve();
    return this.call({ settle: true });
  }

  stats(): WriterStats {
    return { ...this.last };
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    // Let the commit in flight finish (its agents get their acks), project the
    // journal so a clean stop leaves none, then close the connection.
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ close: true });
    await exited;
  }
}
