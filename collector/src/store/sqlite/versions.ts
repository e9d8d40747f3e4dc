/**
 * What the versioned ledger tables share (customer_versions, report_versions,
 * exclusion_versions; migration 2): append-only rows under a text id, read
 * as an id's history or the latest version of each id, and an append that
 * checks, inside its write transaction, that it follows the latest stored
 * version, so a concurrent writer's change is never silently overwritten.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type { Db } from './db.ts';

export interface VersionedTable<R, V> {
  /** e.g. 'report': names the entity in errors. */
  entity: string;
  table: string;
  idColumn: string;
  /** The SELECT list, aliased to the row type's keys. */
  cols: string;
  fromRow: (r: R) => V;
}

export class Versions<R, V> {
  /** The latest version of every id; callers append `AND …` conditions and ORDER BY. */
  readonly latestSql: string;
  private readonly historyStmt;
  private readonly maxStmt;

  constructor(db: Db, private readonly t: VersionedTable<R, V>) {
    this.latestSql = `SELECT ${t.cols} FROM ${t.table} x
      WHERE version = (SELECT max(version) FROM ${t.table} i WHERE i.${t.idColumn} = x.${t.idColumn})`;
    this.historyStmt = db.prepare(`SELECT ${t.cols} FROM ${t.table} WHERE ${t.idColumn} = ? ORDER BY version`);
    this.maxStmt = db.prepare(`SELECT coalesce(max(version), 0) FROM ${t.table} WHERE ${t.idColumn} = ?`).pluck();
  }

  history(id: string): V[] {
    return (this.historyStmt.all(id) as R[]).map(this.t.fromRow);
  }

  /** In the caller's write transaction: refuses `version` unless it is the next one. */
  expect(id: string, version: number): void {
    const latest = this.maxStmt.get(id) as number;
    if (latest === version - 1) return;
    throw new DcprobeError(E.CONFLICT, latest === 0
      ? `${this.t.entity} ${JSON.stringify(id)} has no version ${version - 1}`
      : `${this.t.entity} ${JSON.stringify(id)} is at version ${latest}, not ${version - 1}: it changed meanwhile`);
  }
}
