#!/usr/bin/env node
// Runs the prebuilt bundle (agent/dist/dcprobe-agent.mjs, built by the root `prepare`
// script on `npm install`, or by `npm run build:agent`) with plain node: the tsx loader
// costs every agent process ~30-40 MB of RSS (Node 20 runs its ESM hooks on a thread
// with its own V8 isolate). Measured: docs/benchmarks.md, "Agent bundle and V8 heap flags".
// Falls back to the TypeScript sources through tsx (no build step needed) when there is
// no bundle, when a source file is newer than it (so an edit is never run stale), or
// with DCPROBE_AGENT_TSX=1.
import { existsSync, readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/dcprobe-agent.mjs', import.meta.url);

/** Newest mtime under dir (ms); about a hundred stat calls, ~1 ms. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? '/' : ''), dir);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function bundleIsCurrent() {
  if (process.env.DCPROBE_AGENT_TSX === '1' || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  const repo = new URL('../../', import.meta.url);
  return [new URL('agent/src/', repo), new URL('shared/src/', repo)]
    .every((dir) => !existsSync(dir) || newest(dir) <= built);
}

if (bundleIsCurrent()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/v8-flags.ts');
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
