#!/usr/bin/env node
// Runs collector/dist/dcprobe-collector.mjs (built by `npm install`'s prepare step or
// `npm run build`) with plain node; the TypeScript sources through tsx when that
// bundle is missing or older than a source file, or with DCPROBE_COLLECTOR_TSX=1
// (shared/launch.mjs).
import { launch } from '@dcprobe/shared/launch';

await launch({
  bundle: new URL('../dist/dcprobe-collector.mjs', import.meta.url),
  sources: [new URL('../src/', import.meta.url), new URL('../../shared/src/', import.meta.url)],
  forceSourceEnv: 'DCPROBE_COLLECTOR_TSX',
  fromSources: async () => (await import('../src/cli.ts')).main,
});
