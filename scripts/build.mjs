#!/usr/bin/env node
/**
 * `npm run build` (and the root `prepare` step): each program as plain
 * JavaScript that node runs without tsx, version and commit baked in.
 *
 *   node scripts/build.mjs [agent|collector …] [--out DIR] [--shebang PATH] [--no-sourcemap]
 *
 *   agent/dist/dcprobe-agent.mjs            + the built-in PDU profiles (YAML read beside it)
 *   collector/dist/dcprobe-collector.mjs    + one bundle per worker thread (*-thread.mjs)
 *
 * With --out DIR both go to DIR/<program>/ (the Debian packages, the tests).
 * npm packages are bundled in, except native modules (better-sqlite3, later
 * pg): those stay `import`s, resolved from a node_modules beside or above the
 * bundle (the checkout's own; the package's copy, scripts/package.mjs).
 *
 * Why bundles: the tsx loader costs every process ~40 MB of RSS (Node 20 runs
 * ESM loader hooks on a thread with its own V8 isolate) and transforms each
 * module at start-up (docs/benchmarks.md). The bins run a bundle only while it
 * is newer than every source file, else the sources through tsx
 * (shared/launch.mjs), so an edit is never run stale.
 */
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Imports left to node at run time: native modules, and ws's optional native helpers. */
export const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate'];

const files = (dir, match) => readdirSync(dir, { recursive: true }).map(String).filter((f) => match.test(f)).map((f) => join(dir, f));

export const PROGRAMS = {
  agent: {
    bin: 'dcprobe-agent',
    // The V8 heap flags first, before any module allocates (agent/src/v8-flags.ts).
    prelude: ["import '../src/v8-flags.ts';"],
    threads: () => [],
    assets: () => files(join(ROOT, 'agent/src/profiles/pdu'), /^[^/]+\.yaml$/),
  },
  collector: {
    bin: 'dcprobe-collector',
    prelude: [],
    // Worker threads (the store's journal writer and projector): lib/thread.ts starts
    // `thread-entry.mjs` beside itself with the entry's URL; see threadDispatcher.
    threads: () => files(join(ROOT, 'collector/src'), /-thread\.ts$/),
    assets: () => [],
  },
};

/** The version of a program's package, and the commit it is built from (`-dirty` for a modified tree). */
export function buildId(program) {
  const version = JSON.parse(readFileSync(join(ROOT, program, 'package.json'), 'utf8')).version;
  let commit = process.env.DCPROBE_BUILD_COMMIT;
  if (!commit) {
    try {
      const git = (...a) => execFileSync('git', ['-C', ROOT, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      commit = git('rev-parse', '--short=12', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : '');
    } catch {
      commit = `build-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`; // not a git checkout
    }
  }
  return { version, commit };
}

const REQUIRE_SHIM = "import { createRequire as __dcpRequire } from 'node:module'; const require = __dcpRequire(import.meta.url);";

/**
 * Builds one program into `outdir`. `shebang` is the interpreter line (the
 * packages use Debian's /usr/bin/node). Returns the main file, the npm packages
 * bundled in (for the packages' copyright file) and the external ones the
 * bundles import (to ship beside them).
 */
export async function buildProgram(name, { outdir = join(ROOT, name, 'dist'), shebang = '/usr/bin/env node', sourcemap = true, id = buildId(name) } = {}) {
  const p = PROGRAMS[name];
  if (!p) throw new Error(`unknown program ${name}; one of ${Object.keys(PROGRAMS).join(', ')}`);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const common = {
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
    sourcemap: sourcemap ? 'linked' : false, external: EXTERNAL, metafile: true,
    define: { DCPROBE_BUILD: JSON.stringify(id) },
    // CommonJS dependencies (net-snmp, pino …) call require(): give the ES module one.
    banner: { js: REQUIRE_SHIM },
  };
  const main = join(outdir, `${p.bin}.mjs`);
  const metas = [];
  metas.push((await build({
    ...common,
    stdin: {
      // Exit with main's code once it returns: a handle left open after a failed
      // start (a worker thread, a socket) must not keep the process alive.
      contents: [...p.prelude, "import { main } from '../src/cli.ts';", 'process.exit(await main(process.argv.slice(2)));'].join('\n'),
      resolveDir: join(ROOT, name, 'bin'), sourcefile: `${p.bin}.ts`, loader: 'ts',
    },
    outfile: main,
    banner: { js: `#!${shebang}\n${REQUIRE_SHIM}` },
  })).metafile);
  const threads = p.threads();
  if (threads.length) {
    metas.push((await build({ ...common, entryPoints: threads, outdir, outExtension: { '.js': '.mjs' } })).metafile);
    writeFileSync(join(outdir, 'thread-entry.mjs'), threadDispatcher());
  }
  for (const f of p.assets()) copyFileSync(f, join(outdir, basename(f)));
  const bundled = new Set(), externals = new Set();
  for (const m of metas) {
    for (const input of Object.keys(m.inputs)) {
      const at = input.lastIndexOf('node_modules/');
      if (at >= 0) bundled.add(packageName(input.slice(at + 'node_modules/'.length)));
    }
    for (const out of Object.values(m.outputs)) {
      for (const i of out.imports) if (i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path)) externals.add(packageName(i.path));
    }
  }
  return { main, bundled: [...bundled].sort(), externals: [...externals].sort() };
}

/** `@scope/name/lib/x.js` → `@scope/name`; `name/lib/x.js` → `name`. */
function packageName(path) {
  const parts = path.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * The worker entry lib/thread.ts starts (`new URL('./thread-entry.mjs', import.meta.url)`,
 * workerData.entry = the URL of e.g. `projector-thread.ts` beside the module that
 * asked): from sources it registers tsx and imports the .ts; in a build every
 * module sits in one folder, so it imports the bundle of that name there.
 */
function threadDispatcher() {
  return `// Generated by scripts/build.mjs: a worker thread's entry, the bundle named by workerData.entry.
import { workerData } from 'node:worker_threads';
const name = new URL(workerData.entry).pathname.split('/').pop().replace(/\\.ts$/, '.mjs');
await import(new URL('./' + name, import.meta.url).href);
`;
}

async function cli(argv) {
  const names = argv.filter((a) => !a.startsWith('--') && !isFlagValue(argv, a));
  const out = flag(argv, '--out');
  const shebang = flag(argv, '--shebang');
  const sourcemap = !argv.includes('--no-sourcemap');
  for (const name of names.length ? names : Object.keys(PROGRAMS)) {
    const { main } = await buildProgram(name, { ...(out ? { outdir: resolve(out, name) } : {}), ...(shebang ? { shebang } : {}), sourcemap });
    console.log(`built ${relative(process.cwd(), main) || main} (${buildId(name).version}, commit ${buildId(name).commit})`);
  }
}
function flag(argv, name) { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; }
function isFlagValue(argv, a) { const i = argv.indexOf(a); return i > 0 && ['--out', '--shebang'].includes(argv[i - 1]); }

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli(process.argv.slice(2));
