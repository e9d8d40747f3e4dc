/**
 * The built agent as a real process: `--version` and `dcprobe_build_info` carry
 * the build, and a start that cannot succeed ends the process at once with one
 * JSON log line naming the cause (exit 2: fix the config; exit 1: a retry may pass).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildPrograms, failsToStart as startFailure, httpUntilOk, jsonLines, startProgram, type Built } from '../../support/programs.ts';

/** How long a failed start may take here: the promise is well under a second, the bound allows for a loaded machine. */
const EXIT_BOUND_MS = 10_000;
const COMMIT = 'test0commit2';

let built: Built;
let tmp: string;
beforeAll(async () => {
  built = await buildPrograms({ DCPROBE_BUILD_COMMIT: COMMIT });
  tmp = mkdtempSync(join(tmpdir(), 'dcprobe-agent-startup-'));
  chmodSync(tmp, 0o755);
}, 120_000);
afterAll(() => { built?.cleanup(); rmSync(tmp, { recursive: true, force: true }); });

let n = 0;
function config(extra: Record<string, unknown> = {}): string {
  const file = join(tmp, `agent-${++n}.yml`);
  writeFileSync(file, JSON.stringify({
    agentId: 'rack-t', collectors: ['ws://127.0.0.1:9/agent'], token: 'agent-token-0123456789',
    dataDir: join(tmp, `data-${n}`), metrics: { listen: '127.0.0.1:0' }, ...extra,
  }));
  return file;
}

const tcpHeld = (): Promise<{ port: number; close(): void }> => new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => res({ port: (s.address() as { port: number }).port, close: () => s.close() }));
});
const udpHeld = (): Promise<{ port: number; close(): void }> => new Promise((res) => {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1', () => res({ port: s.address().port, close: () => s.close() }));
});

/** `run --config FILE` must exit by itself with `code` and exactly one fatal line; returns its message. */
const failsToStart = (file: string, code: number, wrap?: string[]): Promise<string> =>
  startFailure(built.agent, 'dcprobe-agent', file, code, { ms: EXIT_BOUND_MS, ...(wrap ? { wrap } : {}) });

describe('dcprobe-agent start-up (built program)', () => {
  it('--version names the version, the commit baked in at build time and node', async () => {
    const end = await startProgram(built.agent, ['--version']).exited(EXIT_BOUND_MS);
    expect(end).toMatchObject({ code: 0, stdout: `dcprobe-agent 0.1.0 (commit ${COMMIT}, node ${process.version})\n`, stderr: '' });
  });

  it('serves dcprobe_build_info on its /metrics and logs only JSON lines', async () => {
    const free = await tcpHeld();
    free.close();
    const p = startProgram(built.agent, ['run', '--config', config({ metrics: { listen: `127.0.0.1:${free.port}` } })]);
    onTestFinished(() => p.kill());
    const metrics = await httpUntilOk(`http://127.0.0.1:${free.port}/metrics`, 20_000, p);
    expect(metrics).toContain(`dcprobe_build_info{version="0.1.0",commit="${COMMIT}",node="${process.version}"} 1`);
    await p.kill();
    expect(p.stderr).toBe('');
    expect(jsonLines(p.stdout).map((l) => l.msg)).toEqual(expect.arrayContaining(['agent started', 'dcprobe-agent started', 'stopping']));
  });

  it('metrics address in use: exit 1, one line naming it', async () => {
    const s = await tcpHeld();
    onTestFinished(() => s.close());
    expect(await failsToStart(config({ metrics: { listen: `127.0.0.1:${s.port}` } }), 1))
      .toBe(`cannot start: cannot listen on 127.0.0.1:${s.port}: the address is in use by another process (EADDRINUSE)`);
  });

  it('trap address in use: exit 1, one line naming it', async () => {
    const s = await udpHeld();
    onTestFinished(() => s.close());
    expect(await failsToStart(config({ traps: { listen: `127.0.0.1:${s.port}`, communities: ['public'] } }), 1))
      .toBe(`cannot start: cannot listen on 127.0.0.1:${s.port}: the address is in use by another process (EADDRINUSE)`);
  });

  it('caFile unreadable: exit 2, the file named', async () => {
    const ca = join(tmp, 'no-such-ca.pem');
    expect(await failsToStart(config({ caFile: ca, collectors: ['wss://127.0.0.1:9/agent'] }), 2))
      .toBe(`cannot start: caFile: cannot read ${ca}: ENOENT`);
  });

  it('an invalid config: exit 2, every problem on the one line', async () => {
    expect(await failsToStart(config({ agentId: 'a b', token: 'short' }), 2))
      .toBe('cannot start: agentId: letters, digits, . _ - only (at most 100); token: at least 16 characters');
  });

  it('a dataDir another agent holds: exit 1, the holder named', async () => {
    const dataDir = join(tmp, 'shared-data');
    const first = startProgram(built.agent, ['run', '--config', config({ dataDir })]);
    onTestFinished(() => first.kill());
    const end = Date.now() + 20_000;
    while (!first.stdout.includes('"msg":"agent started"')) {
      if (Date.now() > end || first.child.exitCode !== null) throw new Error(`first agent did not start:\n${first.stdout}${first.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await failsToStart(config({ dataDir }), 1))
      .toBe(`cannot start: dataDir ${dataDir} is in use by another agent (pid ${first.child.pid}); stop it first`);
  });

  it.skipIf(process.getuid?.() !== 0)('a dataDir the service user cannot create: exit 1, the path named', async () => {
    const dir = join(tmp, 'root-only');
    mkdirSync(dir, { mode: 0o755 });
    expect(await failsToStart(config({ dataDir: join(dir, 'agent') }), 1, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']))
      .toBe(`cannot start: ${join(dir, 'agent')}: permission denied (EACCES)`);
  });
});
