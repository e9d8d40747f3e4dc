/**
 * The store writer thread: owns one connection to the store file and commits
 * the jobs the main thread posts, one at a time, in order (see writer.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { commitJob, prepareStatements, type CommitJob } from './writer.ts';

const { file, synchronous } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL' };
// The main thread opened and migrated the store; this connection only needs
// the per-connection settings: synchronous is not stored in the file.
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 5000');
// Checkpoint every ~40 MB of WAL instead of SQLite's default 4 MB: on the
// ingest benchmark the index pages every event dirties are rewritten many
// times between checkpoints, and copying each to the database once per
// 10,000 pages instead of once per 1,000 took the writer from 54,000 to
// 61,000 events/s (docs/benchmarks.md). The main thread's connection does not
// checkpoint at all (server.ts), so it never stalls on one.
db.pragma('wal_autocheckpoint = 10000');
db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
const st = prepareStatements(db);
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (m: { id: number; job: CommitJob } | { close: true }) => {
  if ('close' in m) { db.close(); parentPort!.close(); return; }
  try {
    parentPort!.postMessage({ id: m.id, ok: true, result: commitJob(db, st, m.job) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, message: (e as Error).message });
  }
});
