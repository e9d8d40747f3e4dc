/**
 * One agent per data dir, and a lock that a crash cannot leave behind: real
 * agent processes, killed with SIGKILL, including as PID 1 of their own PID
 * namespace (a container), where the PID in a stale lock is always alive.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { startAgentProcess } from '../../support/agent-process.ts';
import type { AgentProcess } from '../../support/agent-process.ts';

let dir: string;
const procs: AgentProcess[] = [];

beforeEach(async () => { dir = tempDir('dcp-lock-').dir; });
afterEach(async () => {
  for (const p of procs.splice(0)) if (!p.daemon.hasExited()) await p.kill9();
  await rm(dir, { recursive: true, force: true });
});

async function config(): Promise<Record<string, unknown>> {
  // Nothing listens there: the agent retries in the background, which is all these tests need.
  return {
    agentId: 'rack-lock', collectors: [`ws://127.0.0.1:${await freeTcpPort()}/agent`], token: 'rack-lock-token-0123456789',
    dataDir: join(dir, 'data'), logLevel: 'info',
  };
}

async function start(pidNamespace = false): Promise<AgentProcess> {
  const p = await startAgentProcess({ dir, config: await config(), pidNamespace });
  procs.push(p);
  return p;
}

const started = (p: AgentProcess) => p.waitForLog('agent started', (l) => l.msg === 'agent started', 30_000);

describe('the data dir lock', () => {
  it('lets an agent that ran as PID 1 and was killed with SIGKILL start again, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const p = await start(true);
      await started(p);
      expect(await readFile(join(dir, 'data', 'agent.lock'), 'utf8')).toMatch(/^1$|"pid":1,/); // itself, alive
      await p.kill9();
    }
  });

  it('still refuses a second agent on a data dir in use', async () => {
    const a = await start();
    await started(a);
    const b = await start();
    const { code } = await b.daemon.exited;
    expect(code).toBe(1);
    expect(b.daemon.output()).toMatch(/in use by another agent \(pid \d+\)/);
    expect(a.daemon.hasExited()).toBe(false);
  });

  it('takes over a lock whose PID now belongs to another process (PID reused after a crash)', async () => {
    const p0 = await start();
    await started(p0);
    await p0.kill9();
    // The dead agent's PID, handed to a live process: this test runner stands in for it.
    const lock: unknown = JSON.parse(await readFile(join(dir, 'data', 'agent.lock'), 'utf8'));
    const reused = typeof lock === 'object' ? JSON.stringify({ ...lock, pid: process.pid }) : String(process.pid);
    await writeFile(join(dir, 'data', 'agent.lock'), reused);
    await started(await start());
  });

  it('takes over a lock in the old format (a bare PID) left by a dead agent', async () => {
    const p0 = await start();
    await started(p0);
    await p0.stop();
    await writeFile(join(dir, 'data', 'agent.lock'), '999999999');
    await started(await start());
  });

  it('creates the data dir 0700 and the lock file 0600', async () => {
    const p = await start();
    await started(p);
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'data', 'agent.lock'))).mode & 0o777).toBe(0o600);
  });
});
