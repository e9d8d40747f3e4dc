/**
 * The built collector as a real process: `--version` and `dcprobe_build_info`
 * carry the build, and a start that cannot succeed ends the process at once
 * with one JSON log line naming the cause (exit 2: fix the config; exit 1: a
 * retry may pass), instead of staying alive with nothing listening.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildPrograms, failsToStart as startFailure, httpUntilOk, jsonLines, startProgram, ROOT, type Built } from '../../support/programs.ts';

/** How long a failed start may take here: the promise is well under a second, the bound allows for a loaded machine. */
const EXIT_BOUND_MS = 10_000;
const COMMIT = 'test0commit1';

let built: Built;
let tmp: string;
beforeAll(async () => {
  built = await buildPrograms({ DCPROBE_BUILD_COMMIT: COMMIT });
  tmp = mkdtempSync(join(tmpdir(), 'dcprobe-startup-'));
  chmodSync(tmp, 0o755);
}, 120_000);
afterAll(() => { built?.cleanup(); rmSync(tmp, { recursive: true, force: true }); });

let n = 0;
function config(extra: Record<string, unknown> = {}): string {
  const file = join(tmp, `collector-${++n}.yml`);
  writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', database: join(tmp, `db-${n}`, 'dcprobe.sqlite'), ...extra }));
  return file;
}

function listening(): Promise<Server & { port: number }> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => res(Object.assign(s, { port: (s.address() as { port: number }).port })));
  });
}

/** `run --config FILE` must exit by itself with `code` and exactly one fatal line; returns its message. */
const failsToStart = (file: string, code: number, wrap?: string[]): Promise<string> =>
  startFailure(built.collector, 'dcprobe-collector', file, code, { ms: EXIT_BOUND_MS, ...(wrap ? { wrap } : {}) });

describe('dcprobe-collector start-up (built program)', () => {
  it('--version names the version, the commit baked in at build time and node', async () => {
    const end = await startProgram(built.collector, ['--version']).exited(EXIT_BOUND_MS);
    expect(end).toMatchObject({ code: 0, stdout: `dcprobe-collector 0.1.0 (commit ${COMMIT}, node ${process.version})\n`, stderr: '' });
  });

  it('serves dcprobe_build_info on /metrics and logs only JSON lines', async () => {
    const port = (await listening());
    await new Promise<void>((r) => port.close(() => r()));
    const p = startProgram(built.collector, ['run', '--config', config({ listen: `127.0.0.1:${port.port}` })]);
    onTestFinished(() => p.kill());
    const metrics = await httpUntilOk(`http://127.0.0.1:${port.port}/metrics`, 20_000, p);
    expect(metrics).toContain(`dcprobe_build_info{version="0.1.0",commit="${COMMIT}",node="${process.version}"} 1`);
    await p.kill();
    expect(p.stderr).toBe('');
    const msgs = jsonLines(p.stdout).map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['collector listening', 'stopping']));
  });

  it('address in use: exit 1, one line naming the address', async () => {
    const s = await listening();
    onTestFinished(() => { s.close(); });
    expect(await failsToStart(config({ listen: `127.0.0.1:${s.port}` }), 1))
      .toBe(`cannot start: cannot listen on 127.0.0.1:${s.port}: the address is in use by another process (EADDRINUSE)`);
  });

  it('TLS certificate missing, key unreadable: exit 2, both named', async () => {
    const cert = join(tmp, 'missing.crt');
    const key = join(tmp, 'a-directory.key');
    mkdirSync(key, { recursive: true });
    expect(await failsToStart(config({ tls: { cert, key } }), 2))
      .toBe(`cannot start: tls.cert: cannot read ${cert} (ENOENT); tls.key: cannot read ${key} (EISDIR)`);
  });

  it('a certificate with a key that is not its own: exit 2', async () => {
    const key = join(tmp, 'other.key');
    writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const cert = join(ROOT, 'test/fixtures/tls/localhost.crt');
    expect(await failsToStart(config({ tls: { cert, key } }), 2))
      .toBe(`cannot start: tls: ${cert} and ${key} are not a PEM certificate and its private key (x509 certificate routines::key values mismatch)`);
  });

  it('an invalid config: exit 2, every problem on the one line', async () => {
    const file = config({ listen: 'nowhere', agents: [{ id: 'a', token: 'short' }], databse: 'x' });
    expect(await failsToStart(file, 2))
      .toBe('cannot start: listen: expected HOST:PORT, e.g. 127.0.0.1:9470; agents[0].token: at least 16 characters; databse: unknown key');
  });

  it('a store another collector holds: exit 1, the lock named', async () => {
    const db = join(tmp, 'shared', 'dcprobe.sqlite');
    const first = startProgram(built.collector, ['run', '--config', config({ database: db })]);
    onTestFinished(() => first.kill());
    await waitForLine(first, 'collector listening');
    expect(await failsToStart(config({ database: db }), 1))
      .toBe(`cannot start: store ${db} is in use by another collector (${db}.lock is locked)`);
  });

  it.each([['a store', ''], ['an ingest journal', '.ingest']])('%s file that is not a database: exit 1, one line naming the file', async (_what, suffix) => {
    const dir = join(tmp, `garbage${suffix || '-store'}`);
    mkdirSync(dir);
    const db = join(dir, 'dcprobe.sqlite');
    writeFileSync(`${db}${suffix}`, 'this is not an SQLite file, it only has its name '.repeat(200));
    expect(await failsToStart(config({ database: db }), 1)).toMatch(new RegExp(`^cannot start: cannot open store ${db}: .*not a database`));
  });

  it.skipIf(process.getuid?.() !== 0)('a store directory the service user cannot write: exit 1, the directory named', async () => {
    const dir = join(tmp, 'root-only');
    mkdirSync(dir, { mode: 0o755 });
    const file = config({ database: join(dir, 'dcprobe.sqlite') });
    expect(await failsToStart(file, 1, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']))
      .toBe(`cannot start: cannot open store ${join(dir, 'dcprobe.sqlite')}: ${dir} is not writable by this user (EACCES)`);
  });
});

async function waitForLine(p: ReturnType<typeof startProgram>, msg: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!p.stdout.includes(`"msg":"${msg}"`)) {
    if (Date.now() > end || p.child.exitCode !== null) throw new Error(`no "${msg}" line:\n${p.stdout}${p.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
