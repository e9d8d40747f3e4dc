/**
 * The store's hash chain, independent of any database: what a link hashes,
 * and how a walk over the links decides whether the rows still fit.
 *
 * Every write transaction that appends to a chained table (the observations
 * and hidden flaps, the ledger's versions and its audit trail) appends one link per table it
 * touched: the table, the id range of the rows it added (`first`..`last`,
 * consecutive), the previous link's hash and
 *
 *   hash = sha256(prev "\n" table "\n" first "\n" last "\n" row₁ "\n" row₂ …)
 *
 * where each row is the JSON array of its CHAINED_TABLES columns in that
 * order (text, integers and null only). A row changed, deleted or inserted
 * afterwards no longer fits its link, and a link changed no longer fits the
 * next one's `prev`; the walk (ChainWalk) names the first that does not fit.
 * A store implementation reads its rows in this canonical form and feeds
 * them here; it owns nothing of the hash itself.
 */
import { createHash } from 'node:crypto';

/** The `prev` of the first link. */
export const CHAIN_GENESIS = '0'.repeat(64);

/** The chained tables and the columns a link hashes, in order (observations: as the readers see them, names not keys). */
export const CHAINED_TABLES = {
  observations: ['id', 'subject', 'kind', 'state', 'at', 'via', 'agent_id', 'seq', 'received_at', 'evidence'],
  customer_versions: ['id', 'customer_id', 'version', 'valid_from', 'spec', 'source', 'recorded_at', 'recorded_by'],
  report_versions: ['id', 'report_id', 'version', 'change', 'customer_id', 'service', 'reported_at', 'notice_at', 'claimed_start',
    'claimed_end', 'first_response_at', 'text', 'reason', 'recorded_at', 'recorded_by'],
  exclusion_versions: ['id', 'exclusion_id', 'version', 'change', 'customer_id', 'service', 'start', 'end', 'category', 'ref',
    'withdrawn', 'reason', 'recorded_at', 'recorded_by'],
  audit: ['id', 'at', 'actor', 'action', 'entity', 'entity_id', 'version', 'detail'],
  hidden_flaps: ['id', 'subject', 'since', 'at', 'agent_id', 'seq', 'received_at', 'evidence'],
  operation_versions: ['id', 'operation_id', 'version', 'change', 'customer_id', 'authorised_at', 'first_feedback_at', 'text', 'reason',
    'recorded_at', 'recorded_by'],
} as const;

/**
 * Columns added to a chained table after links were sealed over it: hashed
 * after its CHAINED_TABLES columns, and only while one of them holds a value,
 * so the links sealed before the column existed (their rows hold null) still
 * fit, and a value written into such a row later does not.
 */
export const LATE_COLUMNS: Readonly<Partial<Record<keyof typeof CHAINED_TABLES, readonly string[]>>> = {
  report_versions: ['written_report_at'],
};

export type ChainedTable = keyof typeof CHAINED_TABLES;
export type ChainValue = string | number | null;
/** A row in canonical form: its CHAINED_TABLES columns, id first. */
export type ChainRow = readonly ChainValue[];

export interface ChainLink { id: number; table: ChainedTable; first: number; last: number; prev: string; hash: string }

export function isChainedTable(t: string): t is ChainedTable {
  return Object.hasOwn(CHAINED_TABLES, t);
}

/** A row as hashed: its CHAINED_TABLES values, then its LATE_COLUMNS values unless they are all null. */
export function canonicalRow(t: ChainedTable, row: ChainRow): ChainRow {
  const n = CHAINED_TABLES[t].length;
  return row.length > n && row.slice(n).every((v) => v === null) ? row.slice(0, n) : row;
}

/** The hash of a link over its rows (id order). */
export function linkHash(prev: string, table: ChainedTable, first: number, last: number, rows: Iterable<ChainRow>): string {
  const h = createHash('sha256');
  h.update(`${prev}\n${table}\n${first}\n${last}\n`);
  for (const r of rows) h.update(`${JSON.stringify(r)}\n`);
  return h.digest('hex');
}

/** The first thing a walk found that does not fit, in words an operator can act on. */
export interface ChainProblem { link: number | null; table: ChainedTable | null; row: number | null; reason: string }

/**
 * A walk over the links in id order, each with its rows as the store holds
 * them now; `end` then compares what the links cover with what each table
 * holds. Stops at the first problem.
 */
export class ChainWalk {
  private head = CHAIN_GENESIS;
  private links = 0;
  private readonly covered = new Map<ChainedTable, { count: number; last: number }>();

  /** The hash of the last link that fit, and how many fit. */
  get state(): { head: string; links: number } { return { head: this.head, links: this.links }; }

  link(l: ChainLink, rows: Iterable<ChainRow>): ChainProblem | null {
    const at = (row: number | null, reason: string): ChainProblem => ({ link: l.id, table: l.table, row, reason });
    if (l.prev !== this.head) return at(null, `link ${l.id} does not follow link ${this.links === 0 ? '(none)' : 'before it'}: its prev is ${l.prev}, the chain's head ${this.head}`);
    const seen = this.covered.get(l.table);
    if (seen && l.first !== seen.last + 1) return at(l.first, `link ${l.id} covers ${l.table} ids ${l.first}..${l.last}, but the previous link of ${l.table} ended at ${seen.last}`);
    // Rows are checked one by one for a missing or extra id, so that one is named exactly.
    const list: ChainRow[] = [];
    let want = l.first;
    for (const r of rows) {
      const id = r[0] as number;
      if (id !== want) return at(Math.min(id, want), `${l.table} row ${want} ${id > want ? 'is missing' : 'is not where it was'} (link ${l.id} covers ids ${l.first}..${l.last})`);
      list.push(r);
      want++;
    }
    if (want !== l.last + 1) return at(want, `${l.table} row ${want} is missing (link ${l.id} covers ids ${l.first}..${l.last})`);
    const hash = linkHash(l.prev, l.table, l.first, l.last, list);
    if (hash !== l.hash) {
      const which = l.first === l.last ? `row ${l.first} was changed` : `a row among ids ${l.first}..${l.last} was changed`;
      return at(l.first === l.last ? l.first : null, `${l.table} ${which}: link ${l.id}'s hash does not match its rows`);
    }
    this.covered.set(l.table, { count: (seen?.count ?? 0) + list.length, last: l.last });
    this.head = l.hash;
    this.links++;
    return null;
  }

  /** After the last link: every row of `table` (`count` rows, highest id `maxId`) must be covered. */
  end(table: ChainedTable, count: number, maxId: number): ChainProblem | null {
    const c = this.covered.get(table) ?? { count: 0, last: 0 };
    if (maxId > c.last) return { link: null, table, row: c.last + 1, reason: `${table} row ${c.last + 1}${maxId > c.last + 1 ? `..${maxId}` : ''} is in no link of the chain` };
    if (count !== c.count) return { link: null, table, row: null, reason: `${table} holds ${count} rows, the chain covers ${c.count}: rows were added outside the chain` };
    return null;
  }
}
