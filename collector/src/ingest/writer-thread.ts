/**
 * The store writer thread: owns one connection to the store file and commits
 * the jobs the main thread posts, one at a time, in order (see writer.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../store/db.ts';
import { commitJob, prepareStatements, type CommitJob } from './writer.ts';

const { file, synchronous } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL' };
// The same opening as the main thread's (WAL, synchronous, busy timeout: all
// per connection); the main thread has migrated already, so that step is a no-op.
const db = openDb(file, { synchronous });
// SQLite's own checkpoint interval (1,000 pages) is kept: 10,000 gained at
// most ~10 % at saturation but took the ack p99 at 10,000 events/s from
// 37 ms to 214 ms, the checkpoint then copying ~40 MB inside one commit
// (docs/benchmarks.md). Only this connection checkpoints (see writer.ts).
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
