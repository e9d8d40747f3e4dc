/**
 * A SQLite store's rows, table by table, for a copy into another store
 * (store/copy.ts): the columns asked for, in the order asked for (a key), in batches, all from
 * one read transaction (one snapshot). The file must not be in use: the
 * caller holds its lock, and the ingest journal has been projected (the
 * store opened and closed once) before this reads.
 */
import Database from 'better-sqlite3';

export interface TableBatch { table: string; rows: unknown[][] }

export function* dumpTables(file: string, tables: readonly { table: string; columns: readonly string[]; order: string }[], batch = 5_000): Generator<TableBatch> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    for (const { table, columns, order } of tables) {
      const cols = columns.map((c) => `"${c}"`).join(', ');
      const stmt = db.prepare(`SELECT ${cols} FROM ${table} ORDER BY ${order}`).raw(true);
      let rows: unknown[][] = [];
      for (const r of stmt.iterate() as IterableIterator<unknown[]>) {
        rows.push(r);
        if (rows.length === batch) { yield { table, rows }; rows = []; }
      }
      if (rows.length > 0) yield { table, rows };
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
