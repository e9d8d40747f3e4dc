// Entry of the store writer thread (writer.ts). A worker starts with plain
// Node's loader whatever its parent used (tsx, vitest), so it registers tsx
// itself before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');
