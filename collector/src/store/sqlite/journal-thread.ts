/**
 * The journal writer thread: owns the connection to the ingest journal and
 * commits the jobs the main thread posts, one at a time, in order; trims what
 * the projector has moved into the store (see writer.ts, journal.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CommitJob } from '../types.ts';
import { journalWriter, openJournal } from './journal.ts';

type Message = { id: number; job: CommitJob; trim?: number } | { close: true };

const { journal } = workerData as { journal: string };
const port = parentPort!;
const db = openJournal(journal);
const jw = journalWriter(db);
port.postMessage({ ready: true });

port.on('message', (m: Message) => {
  if ('close' in m) { db.close(); port.close(); return; }
  try {
    // Rows the store holds already (its mark is durable): the journal stays small.
    if (m.trim) jw.trim(m.trim);
    port.postMessage({ id: m.id, ok: true, result: jw.write(m.job) });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, message: (e as Error).message });
  }
});
