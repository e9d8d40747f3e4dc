/**
 * The versioned ledger tables on PostgreSQL (ledger-rows.ts): an id's
 * history, the latest version of each id, and an append that follows the
 * latest stored version or fails with E.CONFLICT. Two collectors appending
 * the same next version at once both pass the check; the unique (id,
 * version) lets one commit and fails the other, also as E.CONFLICT.
 */
import pg from 'pg';
import { DcprobeError, E } from '@dcprobe/shared';
import { expectNextVersion, type VersionedTable } from '../ledger-rows.ts';
import type { Queryable } from './migrations.ts';

export class Versions<R extends pg.QueryResultRow, V> {
  /** `cols`: the SELECT list, aliased (quoted) to the row type's keys. */
  constructor(readonly t: VersionedTable<R, V>, private readonly cols: string) {}

  /** The latest version of every id matching `where` (SQL on the table's columns), ordered by `order`. */
  async latest(db: Queryable, where: string, values: unknown[], order: string): Promise<V[]> {
    const { table, idColumn } = this.t;
    const r = await db.query<R>(`SELECT ${this.cols} FROM ${table} x
      WHERE version = (SELECT max(version) FROM ${table} i WHERE i.${idColumn} = x.${idColumn}) AND (${where}) ORDER BY ${order}`, values);
    return r.rows.map(this.t.fromRow);
  }

  async history(db: Queryable, id: string): Promise<V[]> {
    const r = await db.query<R>(`SELECT ${this.cols} FROM ${this.t.table} WHERE ${this.t.idColumn} = $1 ORDER BY version`, [id]);
    return r.rows.map(this.t.fromRow);
  }

  /** In the caller's write transaction: refuses `version` unless it is the next one. */
  async expect(tx: Queryable, id: string, version: number): Promise<void> {
    const r = await tx.query<{ v: number }>(`SELECT coalesce(max(version), 0) v FROM ${this.t.table} WHERE ${this.t.idColumn} = $1`, [id]);
    expectNextVersion(this.t, id, r.rows[0]!.v, version);
  }

  /** An insert that lost the race for (id, version) to another collector's, as E.CONFLICT. */
  conflictOf(e: unknown, id: string, version: number): unknown {
    if (e instanceof pg.DatabaseError && e.code === '23505' && e.table === this.t.table) {
      return new DcprobeError(E.CONFLICT, `${this.t.entity} ${JSON.stringify(id)} version ${version} was written meanwhile by another writer`);
    }
    return e;
  }
}
