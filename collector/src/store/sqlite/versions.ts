/**
 * The versioned ledger tables on SQLite (ledger-rows.ts): an id's history,
 * the latest version of each id, and an append's check, inside its write
 * transaction, that it follows the latest stored version.
 */
import { expectNextVersion, type VersionedTable } from '../ledger-rows.ts';
import type { Db } from './db.ts';

export class Versions<R, V> {
  /** The latest version of every id; callers append `AND …` conditions and ORDER BY. */
  readonly latestSql: string;
  private readonly historyStmt;
  private readonly maxStmt;

  /** `cols`: the SELECT list, aliased to the row type's keys. */
  constructor(db: Db, private readonly t: VersionedTable<R, V>, cols: string) {
    this.latestSql = `SELECT ${cols} FROM ${t.table} x
      WHERE version = (SELECT max(version) FROM ${t.table} i WHERE i.${t.idColumn} = x.${t.idColumn})`;
    this.historyStmt = db.prepare(`SELECT ${cols} FROM ${t.table} WHERE ${t.idColumn} = ? ORDER BY version`);
    this.maxStmt = db.prepare(`SELECT coalesce(max(version), 0) FROM ${t.table} WHERE ${t.idColumn} = ?`).pluck();
  }

  history(id: string): V[] {
    return (this.historyStmt.all(id) as R[]).map(this.t.fromRow);
  }

  /** In the caller's write transaction: refuses `version` unless it is the next one. */
  expect(id: string, version: number): void {
    expectNextVersion(this.t, id, this.maxStmt.get(id) as number, version);
  }
}
