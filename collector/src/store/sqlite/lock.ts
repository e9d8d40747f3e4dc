/**
 * One collector per store: two would each run a journal writer and a
 * projector on the same files. The lock is SQLite's own exclusive lock on a
 * small file beside the store (`<database>.lock`), held for the life of the
 * connection in locking_mode=EXCLUSIVE: the kernel drops it when the process
 * ends however it ends, so a crash never leaves a stale lock behind, and a
 * second collector is refused at once (busy timeout 0), not after a wait.
 * Readers (the backup command, the sqlite3 shell) do not take it.
 */
import { accessSync, chmodSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DcprobeError, E } from '@dcprobe/shared';

export function lockFile(database: string): string {
  return `${database}.lock`;
}

/** Takes the store's lock; returns its release. An in-memory store needs none. */
export function lockStore(database: string): () => void {
  if (database === ':memory:') return () => {};
  const file = lockFile(database);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // SQLite would only say "unable to open database file".
    accessSync(dirname(file), constants.W_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${database}: ${err.path ?? dirname(file)} is not writable by this user (${err.code ?? 'error'})`, { cause: e });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    chmodSync(file, 0o600);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT'); // in exclusive mode the lock outlives the transaction
  } catch (e) {
    db?.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DcprobeError(E.STORE_LOCKED, `store ${database} is in use by another collector (${file} is locked)`);
    }
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${database}: ${file}: ${(e as Error).message}`, { cause: e });
  }
  const held = db;
  return () => held.close();
}
