/**
 * The private cluster the PostgreSQL tests run on: durable settings, a
 * restart on the same data dir and port, and nothing left behind, not even
 * by a test process that exits early or is killed.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCluster, usePostgresCluster } from '../../support/postgres.ts';
import { pidAlive } from '../../support/procs.ts';
import { waitUntil } from '../../support/wait.ts';

const CHILD = fileURLToPath(new URL('../../support/postgres-child.ts', import.meta.url));
const pg = usePostgresCluster();

/** Starts the child, returns what it printed and the child itself. */
async function child(mode: 'exit' | 'wait') {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d; });
  const info = await waitUntil('the child cluster', () => (out.includes('\n') ? JSON.parse(out) as { dir: string; postmaster: number } : null), { timeoutMs: 30_000 });
  return { p, ...info };
}

describe('private PostgreSQL cluster', () => {
  it('runs with fsync and synchronous_commit on, and restarts on the same port with its data', async () => {
    expect(await pg().psql(`SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit') || ' ' || current_setting('listen_addresses')`)).toBe('on on 127.0.0.1');
    const url = await pg().createDatabase('cluster');
    const db = url.split('/').pop()!;
    await pg().psql('CREATE TABLE t (v int); INSERT INTO t VALUES (42)', db);
    const before = pg().postmasterPid();
    await pg().stop('immediate');
    expect(pg().postmasterPid()).toBeNull();
    await pg().start();
    expect(pg().postmasterPid()).not.toBe(before);
    expect(await pg().psql('SELECT v FROM t', db)).toBe('42');
  });

  it('is removed when its test process exits without removing it', async () => {
    const c = await child('exit');
    await new Promise((r) => c.p.once('exit', r));
    expect(existsSync(c.dir)).toBe(false);
    // pg_ctl stop returns once postmaster.pid is gone, a moment before the process itself.
    await waitUntil('the postmaster to exit', () => !pidAlive(c.postmaster), { timeoutMs: 5_000, intervalMs: 20 });
  });

  it('is swept by the next cluster start when its test process was killed', async () => {
    const c = await child('wait');
    c.p.kill('SIGKILL');
    await new Promise((r) => c.p.once('exit', r));
    expect(existsSync(c.dir)).toBe(true); // no hook ran
    const next = await startCluster();
    try {
      expect(existsSync(c.dir)).toBe(false);
      await waitUntil('the orphan postmaster to exit', () => !pidAlive(c.postmaster), { timeoutMs: 5_000, intervalMs: 20 });
    } finally {
      await next.remove();
    }
    expect(existsSync(next.dir)).toBe(false);
  });
});
