/**
 * The agent bench child as one esbuild bundle run by plain node, without the
 * tsx loader (which costs ~40 MB of RSS in every process it loads into: an
 * ESM hooks thread with its own V8 isolate, plus the transform cache). Used by
 * bench/snmp-fleet.ts by default: agent/bin runs the agent from the bundle
 * scripts/build.mjs builds, with the same esbuild options as here.
 *
 * esbuild is tsx's own dependency, so nothing new is installed. The bundle
 * goes into a temporary directory next to a package.json stand-in, because
 * agent.ts reads its version from `../package.json` relative to itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Child } from './child.ts';

const ENTRY = fileURLToPath(new URL('./snmp-agent-child.ts', import.meta.url));
const AGENT_UNIT = fileURLToPath(new URL('../../deploy/systemd/dcprobe-agent.service', import.meta.url));

export async function startBundledAgentChild(name: string, nodeArgs: string[] = []): Promise<{ child: Child; cleanup(): void }> {
  const dir = join(tmpdir(), `dcprobe-bench-bundle-${process.pid}-${Date.now()}`);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '0.0.0-bench-bundle', type: 'module' }));
  const outfile = join(dir, 'lib', 'agent-child.mjs');
  await build({
    entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'warning',
    // ws loads these native helpers only if installed.
    external: ['bufferutil', 'utf-8-validate'],
    // CommonJS dependencies (net-snmp, pino …) call require(): give the ES module one.
    banner: { js: "import { createRequire as __dcpRequire } from 'node:module'; const require = __dcpRequire(import.meta.url);" },
  });
  // With the environment the packaged unit gives the agent, so the figure is the installed agent's.
  const proc: ChildProcess = fork(outfile, [], { execArgv: nodeArgs, env: { ...process.env, ...unitEnvironment() }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // Child's constructor is private to keep tsx the default; the IPC protocol is the same.
  const child = new (Child as unknown as new (n: string, p: ChildProcess) => Child)(name, proc);
  return { child, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The `Environment=NAME=VALUE` lines of deploy/systemd/dcprobe-agent.service; a variable already set in the bench's environment wins. */
export function unitEnvironment(unit = readFileSync(AGENT_UNIT, 'utf8')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/gm)) {
    if (process.env[m[1]!] === undefined) out[m[1]!] = m[2]!;
  }
  return out;
}
