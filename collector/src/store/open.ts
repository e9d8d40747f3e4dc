/**
 * The one way to a store: `database` from the config names it. A file path
 * (or `:memory:`) is the SQLite store; a `postgres://` or `postgresql://`
 * URL is the PostgreSQL store; any other scheme is a config error naming
 * the field (postgres/connect.ts parseDatabase). Never a fallback from one
 * to the other: that would split the ledger in two.
 */
import type { Logger } from 'pino';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Store, StoreOptions } from './types.ts';
import { openSqliteStore } from './sqlite/store.ts';
import { verifyStoreFile, type ChainReport } from './sqlite/chain.ts';
import { backupStore as backupSqlite, type BackupResult } from './sqlite/backup.ts';
import { lockStore as lockSqlite } from './sqlite/lock.ts';
import { parseDatabase } from './postgres/connect.ts';
import { openPostgresStore } from './postgres/store.ts';

export type { BackupResult } from './sqlite/backup.ts';
export type { ChainReport } from './sqlite/chain.ts';
export { lockFile } from './sqlite/lock.ts';

export interface OpenOptions extends StoreOptions {
  log?: Logger | undefined;
  /** PostgreSQL: how long a database down at start-up is waited for, ms. */
  startupTimeoutMs?: number | undefined;
}

export function openStore(database: string, opts: OpenOptions = {}): Promise<Store> {
  const t = parseDatabase(database);
  if (t.kind === 'sqlite') return openSqliteStore(t.file, opts);
  return openPostgresStore(t.target, { log: opts.log, startupTimeoutMs: opts.startupTimeoutMs });
}

/**
 * Keeps a second collector off the same SQLite file (sqlite/lock.ts). On
 * PostgreSQL several collectors share the database by design: nothing to lock.
 */
export function lockStore(database: string): () => void {
  const t = parseDatabase(database);
  return t.kind === 'sqlite' ? lockSqlite(t.file) : () => {};
}

/** A consistent copy of the SQLite store named by `database` while a collector runs on it (sqlite/backup.ts). */
export function backupStore(database: string, dest: string): BackupResult {
  const t = parseDatabase(database);
  if (t.kind === 'postgres') {
    throw new DcprobeError(E.BACKUP, 'database: is PostgreSQL: back it up with pg_dump or pg_basebackup (docs/deploy-multisite.md), not this command');
  }
  return backupSqlite(t.file, dest);
}

/** Walks the hash chain of the store named by `database` (store/chain.ts); read-only, while a collector runs or not. */
export function verifyStoreChain(database: string): ChainReport {
  const t = parseDatabase(database);
  if (t.kind === 'postgres') throw new DcprobeError(E.STORE_OPEN, 'database: is PostgreSQL, whose store keeps no hash chain yet: verify-store reads SQLite stores');
  return verifyStoreFile(t.file);
}
