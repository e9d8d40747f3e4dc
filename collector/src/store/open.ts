/**
 * The one way to a store: `database` from the config names it. A file path
 * (or `:memory:`) is the SQLite store.
 */
import type { Store, StoreOptions } from './types.ts';
import { openSqliteStore } from './sqlite/store.ts';

export function openStore(database: string, opts: StoreOptions = {}): Promise<Store> {
  return openSqliteStore(database, opts);
}
