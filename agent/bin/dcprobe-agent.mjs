#!/usr/bin/env node
// Runs agent/dist/dcprobe-agent.mjs (built by `npm install`'s prepare step or
// `npm run build`) with plain node; the TypeScript sources through tsx when that
// bundle is missing or older than a source file, or with DCPROBE_AGENT_TSX=1
// (shared/launch.mjs). The tsx loader costs every agent process ~30-40 MB of RSS:
// docs/benchmarks.md, "Agent bundle and V8 heap flags".
import { launch } from '@dcprobe/shared/launch';

await launch({
  bundle: new URL('../dist/dcprobe-agent.mjs', import.meta.url),
  sources: [new URL('../src/', import.meta.url), new URL('../../shared/src/', import.meta.url)],
  forceSourceEnv: 'DCPROBE_AGENT_TSX',
  fromSources: async () => {
    await import('../src/v8-flags.ts');
    return (await import('../src/cli.ts')).main;
  },
});
