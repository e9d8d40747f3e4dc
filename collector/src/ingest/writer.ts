/**
 * The ingest writer: the one place events are written to the store. It runs
 * on a thread of its own (writer-thread.ts) so that SQLite's work — the
 * B-tree inserts and the WAL fsync of every commit — overlaps with the main
 * thread's WebSocket, JSON and validation work instead of following it: on the
 * two-core reference machine that is the difference between one busy core and
 * two. Commits are strictly one at a time, in submission order, so the main
 * thread's ack cursors stay a plain function of what was committed.
 *
 * `commitJob` is the transaction itself; it runs on whichever thread owns the
 * connection (the writer thread, or the caller's for an in-memory store,
 * which another thread cannot open).
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Db } from '../store/db.ts';

/** Values per event row in `CommitItem.rows`: subject, kind, state, at, via, seq, evidence (JSON text or null). */
export const ROW_WIDTH = 7;

/** Appends one event to a flat `CommitItem.rows` array in that layout. */
export function pushRow(rows: unknown[], e: { subject: string; kind: string; state: string; at: number; via: string; seq: number | null; evidence?: unknown }): void {
  rows.push(e.subject, e.kind, e.state, e.at, e.via, e.seq, e.evidence === undefined ? null : JSON.stringify(e.evidence));
}

export interface CommitItem {
  /** null only in bulk loads of the collector's own rows (no agent). */
  agentId: string | null;
  receivedAt: number;
  /** Flat: ROW_WIDTH values per event (cheap to pass between threads). */
  rows: unknown[];
  /** Events that failed validation, kept verbatim: [seq, reason, raw]. */
  rejects: [number | null, string, string][];
  /** The agent's ack cursor once this item is committed (stored with it); absent for bulk loads. */
  committed?: number;
}

export interface CommitJob { items: CommitItem[] }

/** Per item: `true` when every row was new, else the seqs actually inserted (the rest were stored already). */
export type CommitResult = (true | number[])[];

export interface Writer {
  commit(job: CommitJob): Promise<CommitResult>;
  close(): Promise<void>;
}

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
 * One transaction for the whole job. ON CONFLICT DO NOTHING plus the unique
 * (agent_id, seq) index is the second guard behind the main thread's cursors:
 * a resend that crossed its own commit is stored once and reported back.
 */
export function commitJob(db: Db, st: Statements, job: CommitJob): CommitResult {
  return db.transaction(() => job.items.map((it) => writeItem(st, it))).immediate();
}

/** One item's writes, inside the caller's transaction. */
export function writeItem(st: Statements, it: CommitItem): true | number[] {
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
  for (const [seq, reason, raw] of it.rejects) st.reject.run(it.agentId, seq, it.receivedAt, reason, raw);
  if (it.committed !== undefined) st.committed.run(it.agentId, it.committed, it.receivedAt, it.receivedAt);
  return some ?? true;
}

/**
 * The writer for a store file: a thread owning its own connection, resolved
 * once that connection is open (so the first ack does not wait for the
 * thread to boot, and a store the thread cannot open fails the start). An
 * in-memory store (tests) is written on the caller's thread instead.
 */
export async function openWriter(db: Db, file: string, synchronous: 'FULL' | 'NORMAL'): Promise<Writer> {
  if (file === ':memory:') return inlineWriter(db);
  const w = new ThreadWriter(file, synchronous);
  await w.ready;
  // Checkpoints are the writer thread's (writer-thread.ts): one on this thread
  // would copy tens of MB while the event loop waits.
  db.pragma('wal_autocheckpoint = 0');
  return w;
}

function inlineWriter(db: Db): Writer {
  const st = prepareStatements(db);
  return {
    commit: (job) => new Promise((resolve) => resolve(commitJob(db, st, job))),
    close: async () => {},
  };
}

type Reply = { id: number; ok: true; result: CommitResult } | { id: number; ok: false; message: string } | { ready: true };

class ThreadWriter implements Writer {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: CommitResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  ready: Promise<void>;

  constructor(private readonly file: string, private readonly synchronous: 'FULL' | 'NORMAL') {
    this.ready = this.start();
  }

  /** Starts the thread; resolves when its connection is open. */
  private start(): Promise<void> {
    const w = new Worker(new URL('./writer-thread.mjs', import.meta.url), { workerData: { file: this.file, synchronous: this.synchronous } });
    let opened: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => { opened = resolve; failed = reject; });
    w.on('message', (m: Reply) => {
      if ('ready' in m) { opened(); return; }
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.ok) p.resolve(m.result); else p.reject(new Error(m.message));
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

  commit(job: CommitJob): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new Error('store writer closed'));
    if (!this.worker) this.ready = this.start();
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, job }); // queued by the port until the thread listens
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    // Let the commit in flight finish (its agents get their acks), then close the connection.
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ close: true });
    await exited;
  }
}
