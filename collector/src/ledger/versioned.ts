/**
 * What reports and exclusions share: an entity kept as append-only versions
 * under a text id (`R-…`, `X-…`), read as its history or its latest version,
 * and a next version number that cannot race (taken inside the caller's
 * write transaction). Each store keeps its own columns, INSERT and audit.
 */
import { randomBytes } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Db } from '../store/sqlite/db.ts';

export interface VersionedTable<R, V> {
  /** e.g. 'report': names the entity in errors. */
  entity: string;
  table: string;
  idColumn: string;
  /** The SELECT list, aliased to the row type's keys. */
  cols: string;
  idPrefix: string;
  fromRow: (r: R) => V;
}

export class Versions<R, V> {
  /** The latest version of every id; callers append `AND …` conditions and ORDER BY. */
  readonly latestSql: string;
  private readonly historyStmt;
  private readonly latestStmt;
  private readonly maxStmt;
  private readonly customerStmt;

  constructor(db: Db, private readonly t: VersionedTable<R, V>) {
    this.latestSql = `SELECT ${t.cols} FROM ${t.table} x
      WHERE version = (SELECT max(version) FROM ${t.table} i WHERE i.${t.idColumn} = x.${t.idColumn})`;
    this.historyStmt = db.prepare(`SELECT ${t.cols} FROM ${t.table} WHERE ${t.idColumn} = ? ORDER BY version`);
    this.latestStmt = db.prepare(`${this.latestSql} AND ${t.idColumn} = ?`);
    this.maxStmt = db.prepare(`SELECT max(version) FROM ${t.table} WHERE ${t.idColumn} = ?`).pluck();
    this.customerStmt = db.prepare(`SELECT customer_id FROM ${t.table} WHERE ${t.idColumn} = ? AND version = ?`).pluck();
  }

  newId(): string { return `${this.t.idPrefix}-${randomBytes(5).toString('hex')}`; }

  history(id: string): V[] {
    return (this.historyStmt.all(id) as R[]).map(this.t.fromRow);
  }

  latest(id: string): V {
    const r = this.latestStmt.get(id) as R | undefined;
    if (!r) throw new DcprobeError(E.NOT_FOUND, `unknown ${this.t.entity} ${JSON.stringify(id)}`);
    return this.t.fromRow(r);
  }

  /**
   * In the caller's write transaction: the number of the version to append,
   * and the customer the previous version named (undefined for a new id), so
   * a move to another customer can recompute both.
   */
  next(id: string, create: boolean): { version: number; before: string | null | undefined } {
    const prev = this.maxStmt.get(id) as number | null;
    if (create && prev !== null) throw new DcprobeError(E.VALIDATION, `id: ${this.t.entity} ${JSON.stringify(id)} already exists (correct it with PUT)`);
    if (!create && prev === null) throw new DcprobeError(E.NOT_FOUND, `unknown ${this.t.entity} ${JSON.stringify(id)}`);
    return { version: (prev ?? 0) + 1, before: prev === null ? undefined : this.customerStmt.get(id, prev) as string | null };
  }
}
