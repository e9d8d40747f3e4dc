/**
 * Opens the SQLite store: WAL, synchronous=FULL (an acked event survives a
 * power cut: the ack promises durability), migrations. A store that cannot be
 * opened or migrated is a coded error naming the file and the reason.
 *
 * Events are written by the ingest projector's own connection on its own
 * thread (writer.ts, projector.ts). Transactions on this connection that
 * write therefore use BEGIN IMMEDIATE: a deferred one that read first would
 * fail with SQLITE_BUSY if the projector committed between its read and its
 * first write. They wait for a projection step (busy_timeout) while it runs.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DcprobeError, E } from '@dcprobe/shared';
import { CHAIN_VERSION, MIGRATIONS } from './migrations.ts';
import { sealExisting } from './chain.ts';

export type Db = Database.Database;

export interface OpenOptions {
  /** 'FULL' by default; 'NORMAL' trades the last transactions on power loss for speed. */
  synchronous?: 'FULL' | 'NORMAL';
}

export function openDb(file: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    privateFile(file);
    db = new Database(file);
  } catch (e) {
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    walPragmas(db, opts.synchronous ?? 'FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (e) {
    db.close();
    if (e instanceof DcprobeError) throw e;
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${file}: ${(e as Error).message}`, { cause: e });
  }
  return db;
}

/**
 * Creates a store file (and its directory) readable by its owner only, 0600
 * and 0700: it holds every customer's evidence. SQLite gives the -wal and
 * -shm files beside it the file's own mode. An existing file (from an older
 * version) is made 0600 too, where its owner may.
 */
export function privateFile(file: string): void {
  if (file === ':memory:') return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
  try { chmodSync(file, 0o600); } catch { /* not ours to change; SQLite says if it cannot open it */ }
}

/** WAL with the given durability, and a wait (not SQLITE_BUSY) while another connection writes: per connection. */
export function walPragmas(db: Db, synchronous: 'FULL' | 'NORMAL'): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new DcprobeError(E.STORE_OPEN, `store schema version ${current} is newer than this collector (${MIGRATIONS.length}): upgrade the collector`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      if (v + 1 === CHAIN_VERSION) sealExisting(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The schema version of an open store file (PRAGMA user_version). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
