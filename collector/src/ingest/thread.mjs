// Entry of the store's worker threads (writer.ts): a worker starts with plain
// Node's loader whatever its parent used (tsx, vitest), so it registers tsx
// itself before loading the TypeScript module it was started for.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(new URL(workerData.entry, import.meta.url).href);
