/**
 * What a program says about itself (`--version`, the `dcprobe_build_info` gauge):
 * its version and the commit it was built from, baked into the bundle at build
 * time (scripts/build.mjs defines DCPROBE_BUILD). Run from the TypeScript
 * sources, the version is the package.json's and the commit reads `source`.
 */
import { readFileSync } from 'node:fs';

declare const DCPROBE_BUILD: { version: string; commit: string } | undefined;

export interface BuildInfo {
  program: string;
  version: string;
  /** Git commit (12 hex digits, `-dirty` when built from a modified tree), or a build id. */
  commit: string;
  /** The Node.js running the program, e.g. `v20.20.2`. */
  node: string;
}

/** `packageJson`: the program's package.json, read only when no build is baked in. */
export function buildInfo(program: string, packageJson: URL): BuildInfo {
  const baked = typeof DCPROBE_BUILD === 'undefined' ? undefined : DCPROBE_BUILD;
  const version = baked?.version ?? (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  return { program, version, commit: baked?.commit ?? 'source', node: process.version };
}

/** The `--version` line: `dcprobe-agent 0.1.0 (commit 09c01eaa2f2d, node v20.20.2)`. */
export function versionLine(b: BuildInfo): string {
  return `${b.program} ${b.version} (commit ${b.commit}, node ${b.node})`;
}

/** The `dcprobe_build_info` gauge's help and labels; each program sets it to 1 in its own registry. */
export const BUILD_INFO_METRIC = {
  name: 'dcprobe_build_info',
  help: 'Always 1; the labels say which build runs: version, git commit (or build id) and Node.js version.',
  labelNames: ['version', 'commit', 'node'] as const,
};
