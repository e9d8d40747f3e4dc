/**
 * Rows from another store written into an empty PostgreSQL store, ids kept
 * (store/copy.ts). One statement per batch through unnest(), each column
 * cast to its type in this schema (read from the catalogue, so a table
 * added by a later migration needs no code here), all in one transaction:
 * a copy that fails leaves the target empty. Identity sequences are moved
 * past the copied ids at the end, so new rows never collide with them.
 */
import type pg from 'pg';
import { DcprobeError, E } from '@dcprobe/shared';
import { describeTarget, type PgTarget } from './connect.ts';

export interface TableColumns { table: string; columns: string[]; types: string[] }

/** The columns of `tables` in this database, in their order, with their types. */
export async function tableColumns(c: pg.PoolClient, tables: readonly string[]): Promise<TableColumns[]> {
  const r = await c.query<{ table: string; column: string; type: string }>(`SELECT c.relname "table", a.attname "column", format_type(a.atttypid, NULL) "type"
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`, [tables]);
  return tables.map((table) => {
    const cols = r.rows.filter((x) => x.table === table);
    return { table, columns: cols.map((x) => x.column), types: cols.map((x) => x.type) };
  });
}

/** Refuses a target that already holds any row of the tables: a copy never merges two ledgers. */
export async function expectEmpty(c: pg.PoolClient, target: PgTarget, tables: readonly string[]): Promise<void> {
  for (const t of tables) {
    const r = await c.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t}) "any"`);
    if (r.rows[0]!.any) throw new DcprobeError(E.STORE_OPEN, `${describeTarget(target)}: table ${t} is not empty: copy only into a new database`);
  }
}

export async function insertRows(c: pg.PoolClient, t: TableColumns, rows: readonly unknown[][]): Promise<void> {
  const cols = t.columns.map((x) => `"${x}"`).join(', ');
  const arrays = t.types.map((ty, i) => `$${i + 1}::${ty}[]`).join(', ');
  const values = t.columns.map((_, i) => rows.map((r) => r[i] ?? null));
  await c.query(`INSERT INTO ${t.table} (${cols}) SELECT * FROM unnest(${arrays})`, values);
}

/** Moves every identity sequence of `tables` past the largest id copied (a table keyed by name or a pair has none). */
export async function resetIdentities(c: pg.PoolClient, tables: readonly TableColumns[]): Promise<void> {
  for (const { table: t, columns } of tables) {
    if (!columns.includes('id')) continue;
    const seq = (await c.query<{ s: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') s`, [t])).rows[0]!.s;
    if (seq) await c.query(`SELECT setval($1, (SELECT coalesce(max(id), 0) + 1 FROM ${t}), false)`, [seq]);
  }
}
