/**
 * The insert into `observations` itself (its rows table and keys,
 * migration 5), shared by the projection of the ingest journal and by bulk
 * loads: flat rows, multi-row statements, keys cached per connection.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db.ts';
import { Keys } from './keys.ts';

/** Values per event row in `RowsItem.rows`: subject, kind, state, at, via, seq, evidence (JSON text or null). */
export const ROW_WIDTH = 7;

/** Appends one event to a flat `RowsItem.rows` array in that layout. */
export function pushRow(rows: unknown[], e: { subject: string; kind: string; state: string; at: number; via: string; seq: number | null; evidence?: unknown }): void {
  rows.push(e.subject, e.kind, e.state, e.at, e.via, e.seq, e.evidence === undefined ? null : JSON.stringify(e.evidence));
}

/** Rows for `writeItem`: the projection's, or a bulk load's (no agent for the collector's own rows). */
export interface RowsItem {
  agentId: string | null;
  receivedAt: number;
  /** Flat: ROW_WIDTH values per event. */
  rows: unknown[];
}

/** Rows per multi-row INSERT: 9 parameters each, far below SQLite's 32,766. */
const CHUNK = 100;

type Stmt = Database.Statement<unknown[]>;

export interface Statements {
  insert(n: number): Stmt;
  inserted: Stmt;
  reject: Stmt;
  committed: Stmt;
  /** One hidden flap (migration 6): subject key, since, at, agent key, seq, received_at, evidence; an (agent, seq) stored is skipped. */
  flap: Stmt;
  /** Subject and agent keys for observation_rows, cached on this connection (keys.ts). */
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
    flap: db.prepare(`INSERT INTO hidden_flap_rows (subject_id, since, at, agent_key, seq, received_at, evidence)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    keys: new Keys(db),
  };
}

/** Makes the keys of an item's subjects and agent, before a savepoint that may be undone alone (keys.ts). */
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
