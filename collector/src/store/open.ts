/**
 * The one way to a store: `database` from the config names it. A file path
 * (or `:memory:`) is the SQLite store.
 */
import type { Store, StoreOptions } from './types.ts';
import { openSqliteStore } from './sqlite/store.ts';
import { verifyStoreFile, type ChainReport } from './sqlite/chain.ts';
import { backupStore as backupSqlite, type BackupResult } from './sqlite/backup.ts';

export type { BackupResult } from './sqlite/backup.ts';
export type { ChainReport } from './sqlite/chain.ts';
export { lockFile, lockStore } from './sqlite/lock.ts';

export function openStore(database: string, opts: StoreOptions = {}): Promise<Store> {
  return openSqliteStore(database, opts);
}

/** A consistent copy of the store named by `database` while a collector runs on it (sqlite/backup.ts). */
export function backupStore(database: string, dest: string): BackupResult {
  return backupSqlite(database, dest);
}

/** Walks the hash chain of the store named by `database` (store/chain.ts); read-only, while a collector runs or not. */
export function verifyStoreChain(database: string): ChainReport {
  return verifyStoreFile(database);
}
