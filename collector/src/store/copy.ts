/**
 * Moving an install: a SQLite store copied whole into a new PostgreSQL
 * database (`dcprobe-collector store copy --from PATH --to postgres://…`).
 * The SQLite file is locked against a collector for the whole copy and
 * opened once first, so what its ingest journal holds is in the tables; the
 * rows go over with their ids, in one PostgreSQL transaction (all or
 * nothing) into a database that must be empty. A table added to both
 * schemas is copied by adding it to COPIED; its columns are PostgreSQL's
 * (a column added to both, like the reports' source, needs nothing here).
 */
import { existsSync } from 'node:fs';
import { DcprobeError, E } from '@dcprobe/shared';
import { parseDatabase } from '../lib/database-url.ts';
import { dumpTables } from './sqlite/dump.ts';
import { lockStore } from './sqlite/lock.ts';
import { openSqliteStore } from './sqlite/store.ts';
import { connectPostgres } from './postgres/connect.ts';
import { expectEmpty, insertRows, resetIdentities, tableColumns } from './postgres/load.ts';
import { migrate, OWNERS_FROM_OBSERVATIONS } from './postgres/migrations.ts';
import { inTransaction } from './postgres/tx.ts';

/** Every table the two schemas share, parents first, each with the key its rows are read in (SQLite's store_chain stays behind: PostgreSQL has none). */
export const COPIED: readonly { table: string; order: string }[] = [
  ...['agents', 'observations', 'hidden_flaps', 'rejected_events', 'agent_gaps', 'customer_versions', 'report_versions', 'exclusion_versions', 'audit',
    'operation_versions', 'notices', 'deliveries'].map((table) => ({ table, order: 'id' })),
  { table: 'delivery_attempts', order: 'delivery_id, n' },
  { table: 'statements', order: 'id' },
  { table: 'statement_files', order: 'statement_id, name' },
  { table: 'statement_schedule', order: 'id' },
  { table: 'api_tokens', order: 'name' },
];
const TABLES = COPIED.map((t) => t.table);

export interface CopyResult { table: string; rows: number }

export async function copyStore(from: string, to: string): Promise<CopyResult[]> {
  const src = parseDatabase(from);
  if (src.kind !== 'sqlite' || src.file === ':memory:') throw new DcprobeError(E.USAGE, 'store copy: --from must be a SQLite store file');
  const dst = parseDatabase(to);
  if (dst.kind !== 'postgres') throw new DcprobeError(E.USAGE, 'store copy: --to must be a postgres:// URL');
  if (!existsSync(src.file)) throw new DcprobeError(E.STORE_OPEN, `store copy: ${src.file}: no such store file`);
  const unlock = lockStore(src.file);
  try {
    const s = await openSqliteStore(src.file); // projects what the ingest journal holds
    await s.settled();
    await s.close();
    const db = await connectPostgres(dst.target, { startupTimeoutMs: 5_000, applicationName: 'dcprobe-collector store copy' });
    try {
      await migrate(db.pool);
      return await inTransaction(db.pool, 'store copy', async (c) => {
        await expectEmpty(c, dst.target, TABLES);
        const tables = await tableColumns(c, TABLES);
        const counts = new Map<string, number>(TABLES.map((t) => [t, 0]));
        for (const b of dumpTables(src.file, tables.map((t, i) => ({ ...t, order: COPIED[i]!.order })))) {
          await insertRows(c, tables.find((t) => t.table === b.table)!, b.rows);
          counts.set(b.table, counts.get(b.table)! + b.rows.length);
        }
        await resetIdentities(c, tables);
        // PostgreSQL's own record of each subject's owner (SQLite has none: one collector writes it).
        await c.query(OWNERS_FROM_OBSERVATIONS);
        return [...counts].map(([table, rows]) => ({ table, rows }));
      });
    } finally {
      await db.close();
    }
  } finally {
    unlock();
  }
}
