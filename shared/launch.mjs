// What each program's bin runs: its bundle (scripts/build.mjs) with plain node when
// that bundle is current, else the TypeScript sources through tsx, so a fresh clone
// works before any build and an edited source is never run stale. A bundle counts as
// current when it is newer than every file under `sources`; `forceSourceEnv=1` (e.g.
// DCPROBE_AGENT_TSX=1) always runs the sources. Plain JavaScript: it runs before tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Newest mtime under dir (ms); a few hundred stat calls, ~1-2 ms. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? '/' : ''), dir);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function bundleIsCurrent(bundle, sources, forceSourceEnv) {
  if (process.env[forceSourceEnv] === '1' || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return sources.every((dir) => !existsSync(dir) || newest(dir) <= built);
}

/**
 * bundle: URL of the built program (it runs main and exits by itself);
 * sources: URLs of the source directories it is built from;
 * fromSources: () => Promise<main>, called after tsx is registered.
 * Exits with main's code: a handle left open after a failed start must not keep the process alive.
 */
export async function launch({ bundle, sources, forceSourceEnv, fromSources }) {
  if (bundleIsCurrent(bundle, sources, forceSourceEnv)) {
    await import(bundle.href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  const main = await fromSources();
  process.exit(await main(process.argv.slice(2)));
}
