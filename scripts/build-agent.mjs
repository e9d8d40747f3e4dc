#!/usr/bin/env node
/**
 * `npm run build:agent`: the agent as one ES module, agent/dist/dcprobe-agent.mjs,
 * run with plain node (no tsx at run time):
 *
 *   node agent/dist/dcprobe-agent.mjs run --config agent.yml
 *
 * Why: the tsx loader agent/bin uses costs every agent process ~40 MB of RSS
 * (Node 20 runs ESM loader hooks on a thread with its own V8 isolate) and
 * transforms each module at start-up. Measured with bench/snmp-fleet.ts
 * (200 switches × 50 ports every 10 s): see docs/benchmarks.md, "Agent bundle and V8 heap flags".
 *
 * npm packages are bundled too, so the file runs from any directory; the PDU
 * profiles (YAML read beside their loader at run time) are copied next to it,
 * and agent/package.json's version is read from `../package.json` as before.
 * Rebuild after changing the sources: agent/bin (tsx) stays the default.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(root, 'agent', 'dist'));
mkdirSync(outdir, { recursive: true });

await build({
  stdin: {
    contents: "import '../src/v8-flags.ts';\nimport { main } from '../src/cli.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    resolveDir: join(root, 'agent', 'bin'), sourcefile: 'dcprobe-agent.ts', loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(outdir, 'dcprobe-agent.mjs'),
  sourcemap: 'linked', logLevel: 'warning',
  // ws uses these native helpers only when installed.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies (net-snmp, pino …) call require(): give the ES module one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __dcpRequire } from 'node:module'; const require = __dcpRequire(import.meta.url);" },
});

const pdu = join(root, 'agent', 'src', 'profiles', 'pdu');
for (const f of readdirSync(pdu).filter((n) => n.endsWith('.yaml'))) copyFileSync(join(pdu, f), join(outdir, f));
console.log(`built ${join(outdir, 'dcprobe-agent.mjs')}`);
