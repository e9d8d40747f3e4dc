/**
 * A consistent copy of a running collector's store, as one self-contained
 * SQLite file. Copying the files is not a backup: the newest data sits in the
 * store's WAL and in the ingest journal (`<database>.ingest`), which holds every
 * acked event the projector has not yet moved into the store.
 *
 * Order is what makes the copy whole:
 *   1. a read transaction on the journal pins its snapshot J (WAL readers see
 *      one instant and never block the writers);
 *   2. `VACUUM INTO` copies the store at a later instant S, with its mark M of
 *      how far it has projected the journal (rows and mark commit together);
 *   3. the journal rows of J past M are projected into the copy with the
 *      collector's own projector.
 * Every event acked before J is either in the store by S (the journal is only
 * trimmed of rows the store already holds) or in J past M; events acked after
 * J are in the copy as far as they were projected by S. The copy's mark covers
 * J, so a collector started on it projects nothing twice, and its new journal
 * continues after the mark (journal.ts, alignJournal).
 *
 * The collector keeps running and acking throughout; the backup takes no lock.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DcprobeError, E } from '@dcprobe/shared';
import { MIGRATIONS } from './migrations.ts';
import { journalFile } from './journal.ts';
import { PROJECT_EVENTS, projector } from './projector.ts';
import { prepareStatements } from './rows.ts';

export interface BackupResult {
  dest: string;
  schemaVersion: number;
  observations: number;
  /** Acked events taken from the journal into the copy (not yet in the store when it was copied). */
  fromJournal: number;
  bytes: number;
}

function fail(message: string, cause?: unknown): DcprobeError {
  return new DcprobeError(E.BACKUP, message, cause === undefined ? undefined : { cause });
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

export function backupStore(database: string, dest: string): BackupResult {
  if (database === ':memory:') throw fail('the store is in memory: nothing to back up');
  if (!existsSync(database)) throw fail(`no store at ${database}`);
  const partial = `${dest}.partial`;
  rmSync(partial, { force: true });
  const jfile = journalFile(database);
  const journal = existsSync(jfile) ? new Database(jfile, { readonly: true, fileMustExist: true }) : null;
  const store = new Database(database, { readonly: true, fileMustExist: true });
  let copy: Database.Database | null = null;
  try {
    journal?.pragma('busy_timeout = 5000');
    store.pragma('busy_timeout = 5000');
    const version = store.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      throw fail(`store ${database} has schema version ${version}, this collector ${MIGRATIONS.length}: back it up with the collector version that runs it`);
    }
    journal?.exec('BEGIN');
    journal?.prepare('SELECT count(*) FROM ingest_journal').get(); // the first read pins the snapshot
    store.prepare('VACUUM INTO ?').run(partial);

    copy = new Database(partial);
    copy.pragma('synchronous = FULL');
    let fromJournal = 0;
    if (journal) {
      const pj = projector(copy, prepareStatements(copy), { db: journal, table: 'ingest_journal' });
      for (;;) {
        const before = pj.through();
        fromJournal += pj.step(PROJECT_EVENTS).events;
        if (pj.through() === before) break;
      }
      journal.exec('COMMIT');
    }
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw fail(`the copy failed SQLite's quick_check: ${String(check)}`);
    copy.pragma('journal_mode = DELETE'); // one file, no -wal beside it
    const observations = copy.prepare('SELECT count(*) FROM observations').pluck().get() as number;
    copy.close();
    copy = null;
    chmodSync(partial, 0o600);
    syncPath(partial);
    renameSync(partial, dest);
    syncPath(dirname(dest));
    return { dest, schemaVersion: version, observations, fromJournal, bytes: statSync(dest).size };
  } catch (e) {
    copy?.close();
    rmSync(partial, { force: true });
    if (e instanceof DcprobeError) throw e;
    throw fail(`backup of ${database} to ${dest} failed: ${(e as Error).message}`, e);
  } finally {
    journal?.close();
    store.close();
  }
}
