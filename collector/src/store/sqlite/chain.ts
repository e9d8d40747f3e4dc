/**
 * The hash chain in the SQLite store (`store_chain`, migration 7; what a link
 * hashes is store/chain.ts). A write transaction takes a mark of the chained
 * tables it will append to, and seals before it commits: one link per table
 * for the rows past the mark, read back as they are stored. Rows someone
 * slipped in between two transactions lie between two links and are found by
 * the walk, never sealed by the next write.
 */
import { CHAINED_TABLES, CHAIN_GENESIS, ChainWalk, LATE_COLUMNS, canonicalRow, isChainedTable, linkHash, type ChainLink, type ChainProblem, type ChainRow, type ChainedTable } from '../chain.ts';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DcprobeError, E } from '@dcprobe/shared';
/** The connection type (db.ts's Db; not imported from there, which imports this for its migration). */
type Db = Database.Database;
import { CHAIN_VERSION } from './migrations.ts';
import type { ChainHead } from '../types.ts';

type Stmt = Database.Statement<unknown[]>;

/** Where a table's rows are numbered (observations is a view over observation_rows). */
const ROWS_TABLE: Record<ChainedTable, string> = {
  observations: 'observation_rows', customer_versions: 'customer_versions', report_versions: 'report_versions',
  exclusion_versions: 'exclusion_versions', audit: 'audit', hidden_flaps: 'hidden_flap_rows', operation_versions: 'operation_versions',
};

const ALL_TABLES = Object.keys(CHAINED_TABLES) as ChainedTable[];

/**
 * The chained tables this store has, and their late columns it has: migration
 * 7 seals a store that has neither the tables nor the columns later
 * migrations add, and a store not yet migrated is walked as it is.
 */
function present(db: Db): { tables: ChainedTable[]; late: Map<ChainedTable, string[]> } {
  const names = new Set(db.prepare(`SELECT name FROM sqlite_schema WHERE type IN ('table','view')`).pluck().all() as string[]);
  const tables = ALL_TABLES.filter((t) => names.has(t));
  const late = new Map(tables.map((t) => {
    const cols = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(t) as string[]);
    return [t, (LATE_COLUMNS[t] ?? []).filter((c) => cols.has(c))];
  }));
  return { tables, late };
}

function rowsSql(t: ChainedTable, late: readonly string[]): string {
  return `SELECT ${[...CHAINED_TABLES[t], ...late].map((c) => `"${c}"`).join(', ')} FROM ${t} WHERE id >= ? AND id <= ? ORDER BY id`;
}

function* canonical(t: ChainedTable, rows: Iterable<ChainRow>): Generator<ChainRow> {
  for (const r of rows) yield canonicalRow(t, r);
}

/** Per table: the highest id before the transaction's appends. */
export type ChainMark = Map<ChainedTable, number>;

export class ChainWriter {
  private readonly maxId = new Map<ChainedTable, Stmt>();
  private readonly rows = new Map<ChainedTable, Stmt>();
  private readonly head: Stmt;
  private readonly put: Stmt;

  constructor(private readonly db: Db) {
    this.head = db.prepare('SELECT hash FROM store_chain ORDER BY id DESC LIMIT 1').pluck();
    this.put = db.prepare('INSERT INTO store_chain (tbl, first_id, last_id, prev, hash) VALUES (?, ?, ?, ?, ?)');
  }

  private max(t: ChainedTable): number {
    let s = this.maxId.get(t);
    if (!s) { s = this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${ROWS_TABLE[t]}`).pluck(); this.maxId.set(t, s); }
    return s.get() as number;
  }

  /** Inside the write transaction, before its appends. */
  mark(tables: readonly ChainedTable[]): ChainMark {
    return new Map(tables.map((t) => [t, this.max(t)]));
  }

  /** Inside the same transaction, after its appends: a link per table that grew. */
  seal(mark: ChainMark): void {
    for (const [t, before] of mark) {
      const last = this.max(t);
      if (last <= before) continue;
      let s = this.rows.get(t);
      if (!s) { s = this.db.prepare(rowsSql(t, present(this.db).late.get(t) ?? [])).raw(); this.rows.set(t, s); }
      const prev = (this.head.get() as string | undefined) ?? CHAIN_GENESIS;
      const hash = linkHash(prev, t, before + 1, last, canonical(t, s.iterate(before + 1, last) as IterableIterator<ChainRow>));
      this.put.run(t, before + 1, last, prev, hash);
    }
  }
}

/** Migration 6: the rows stored before the chain existed, one link per table. */
export function sealExisting(db: Db): void {
  const w = new ChainWriter(db);
  w.seal(new Map(present(db).tables.map((t) => [t, 0])));
}

/** The last link as stored (one indexed row; no walk): what /metrics shows. */
export function chainHeadReader(db: Db): () => ChainHead {
  const last = db.prepare('SELECT id, hash FROM store_chain ORDER BY id DESC LIMIT 1');
  return () => {
    const l = last.get() as { id: number; hash: string } | undefined;
    return l ? { links: l.id, head: l.hash } : { links: 0, head: CHAIN_GENESIS };
  };
}

export interface ChainReport {
  links: number;
  /** The hash of the last link that fit: recorded elsewhere, it pins everything up to it. */
  head: string;
  problem: ChainProblem | null;
}

/** Walks the chain of a store (a read transaction: one snapshot). */
export function walkChain(db: Db): ChainReport {
  return db.transaction((): ChainReport => {
    const walk = new ChainWalk();
    const { tables, late } = present(db);
    const rows = new Map(tables.map((t) => [t, db.prepare(rowsSql(t, late.get(t)!)).raw()]));
    const done = (problem: ChainProblem | null): ChainReport => ({ ...walk.state, problem });
    const links = db.prepare('SELECT id, tbl "table", first_id first, last_id last, prev, hash FROM store_chain ORDER BY id');
    for (const l of links.iterate() as IterableIterator<ChainLink>) {
      if (!isChainedTable(l.table)) return done({ link: l.id, table: null, row: null, reason: `link ${l.id} names no chained table (${JSON.stringify(l.table)})` });
      const stmt = rows.get(l.table);
      if (!stmt) return done({ link: l.id, table: l.table, row: null, reason: `link ${l.id} covers ${l.table}, which this store does not have` });
      const p = walk.link(l, canonical(l.table, stmt.iterate(l.first, l.last) as IterableIterator<ChainRow>));
      if (p) return done(p);
    }
    for (const t of tables) {
      const [count, maxId] = db.prepare(`SELECT count(*), coalesce(max(id), 0) FROM ${ROWS_TABLE[t]}`).raw().get() as [number, number];
      const p = walk.end(t, count, maxId);
      if (p) return done(p);
    }
    return done(null);
  })();
}

/** Opens a store file read-only (a collector may be running on it) and walks its chain. */
export function verifyStoreFile(file: string): ChainReport {
  if (file === ':memory:' || !existsSync(file)) throw new DcprobeError(E.STORE_OPEN, `no store at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < CHAIN_VERSION) throw new DcprobeError(E.STORE_OPEN, `store ${file} is at schema ${version}, before the hash chain (${CHAIN_VERSION}): start the collector on it once to migrate`);
    return walkChain(db);
  } finally {
    db.close();
  }
}
