/**
 * The agent's executable as a real process: `runAgentCli(['probe', 'nut', …])` resolves
 * with its exit code, output and how long it took (it never rejects; a timeout is a
 * non-zero code).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runAgentCli(args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    execFile(process.execPath, [AGENT_BIN, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
