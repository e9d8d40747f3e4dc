/**
 * Reads a collector's SQLite store from outside, as an operator's SQL would:
 * a read-only connection of its own for each query, on the live file.
 */
import Database from 'better-sqlite3';

function withStore<T>(file: string, f: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try { return f(db); } finally { db.close(); }
}

/** Every row of a query. */
export function storeRows<T = any>(file: string, sql: string, ...params: unknown[]): T[] {
  return withStore(file, (db) => db.prepare(sql).all(...params) as T[]);
}

/** The first column of the first row (undefined when there is none). */
export function storeValue<T = any>(file: string, sql: string, ...params: unknown[]): T {
  return withStore(file, (db) => db.prepare(sql).pluck().get(...params) as T);
}
