// Entry of every worker thread started through lib/thread.ts: a worker starts
// with plain Node's loader whatever its parent used (tsx, vitest), so it
// registers tsx itself before loading the TypeScript module it was started for
// (`workerData.entry`, an absolute file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
