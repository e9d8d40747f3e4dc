/**
 * The built collector on PostgreSQL as a real process: `database:` a
 * postgres:// URL starts it on the cluster; a scheme it does not know, a
 * password the server refuses, a database that is down: each ends the
 * process by itself with one fatal line and a non-zero exit, never a
 * fallback to a SQLite file, and no line ever carries the password.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildPrograms, httpUntilOk, jsonLines, startProgram, type Built } from '../../support/programs.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';

const EXIT_BOUND_MS = 20_000;
const cluster = usePostgresCluster();

let built: Built;
let tmp: string;
beforeAll(async () => {
  built = await buildPrograms();
  tmp = mkdtempSync(join(tmpdir(), 'dcprobe-startup-pg-'));
  chmodSync(tmp, 0o755);
}, 120_000);
afterAll(() => { built?.cleanup(); rmSync(tmp, { recursive: true, force: true }); });

let n = 0;
function config(database: string, extra: Record<string, unknown> = {}): string {
  const file = join(tmp, `collector-${++n}.yml`);
  writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', database, databaseWaitSeconds: 1, ...extra }));
  return file;
}

/** Runs `run --config FILE` in tmp, expects it to exit by itself with `code`; returns its fatal line's message. */
async function failsToStart(file: string, code: number, secret: string): Promise<string> {
  const p = startProgram(built.collector, ['run', '--config', file], { wrap: ['env', '-C', tmp] });
  const end = await p.exited(EXIT_BOUND_MS);
  expect(end.stdout + end.stderr).not.toContain(secret);
  const lines = jsonLines(end.stdout);
  expect({ code: end.code, stderr: end.stderr }).toEqual({ code, stderr: '' });
  expect(lines.filter((l) => l.level === 60)).toHaveLength(1);
  expect(lines.at(-1)).toMatchObject({ level: 60, config: file });
  return lines.at(-1)!.msg as string;
}

describe('dcprobe-collector on PostgreSQL (built program)', () => {
  it('starts on a postgres:// URL, serves /metrics, and logs the target with the password as <secret>', async () => {
    const url = await cluster().createDatabase('start');
    const port = await freeTcpPort();
    const p = startProgram(built.collector, ['run', '--config', config(url, { listen: `127.0.0.1:${port}` })]);
    onTestFinished(() => p.kill());
    expect(await httpUntilOk(`http://127.0.0.1:${port}/metrics`, 20_000, p)).toContain('dcprobe_build_info');
    await p.kill();
    expect(p.stdout + p.stderr).not.toContain(cluster().password);
    const listening = jsonLines(p.stdout).find((l) => l.msg === 'collector listening')!;
    expect(listening.database).toBe(`postgres://postgres:<secret>@127.0.0.1:${cluster().port}/${databaseOf(url)}`);
    expect(await cluster().psql('SELECT count(*) FROM schema_version', databaseOf(url))).toMatch(/^[1-9]/);
  });

  it('answers /healthz 503 while PostgreSQL is down, with no agent committing, and 200 once it is back', async () => {
    const url = await cluster().createDatabase('health');
    const port = await freeTcpPort();
    const p = startProgram(built.collector, ['run', '--config', config(url, { listen: `127.0.0.1:${port}` })]);
    onTestFinished(() => p.kill());
    await httpUntilOk(`http://127.0.0.1:${port}/healthz`, 20_000, p);
    await cluster().stop('fast');
    try {
      const down = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'failing', problems: ['store not answering: observations could not be counted'], observations: null });
    } finally {
      await cluster().start();
    }
    expect(await httpUntilOk(`http://127.0.0.1:${port}/healthz`, 20_000, p)).toMatch(/"status": "ok"/);
    await p.kill();
  });

  it('a scheme it does not know: exit 2, the field named, no file made', async () => {
    const file = config('mysql://root:hunter2hunter2@127.0.0.1/dcprobe');
    expect(await failsToStart(file, 2, 'hunter2hunter2'))
      .toBe('cannot start: database: unknown scheme "mysql:": give a file path (SQLite) or a postgres:// URL');
    expect(existsSync(join(tmp, 'mysql:'))).toBe(false);
  });

  it('a password the server refuses: exit 1 at once, the user named, the password not', async () => {
    const url = cluster().url('postgres', 'postgres', 'wrong-Pa55word');
    const msg = await failsToStart(config(url), 1, 'wrong-Pa55word');
    expect(msg).toMatch(/^cannot start: postgres:\/\/postgres:<secret>@127\.0\.0\.1:\d+\/postgres: PostgreSQL refused user "postgres": 28P01/);
  });

  it('a database that is down at start-up: waited for databaseWaitSeconds, then exit 1, never a SQLite file instead', async () => {
    const port = await freeTcpPort(); // nothing listens there
    const msg = await failsToStart(config(`postgres://postgres:s3cret-pw@127.0.0.1:${port}/dcprobe`), 1, 's3cret-pw');
    expect(msg).toMatch(new RegExp(`^cannot start: postgres://postgres:<secret>@127\\.0\\.0\\.1:${port}/dcprobe: PostgreSQL not reachable after \\d+ attempts`));
    expect(existsSync(join(tmp, 'postgres:'))).toBe(false);
  });
});
