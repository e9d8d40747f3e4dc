/**
 * Leader election through a PostgreSQL advisory lock: exactly one leader,
 * a takeover bounded by the followers' retry when the leader stops or its
 * process is killed (a real child process, SIGKILL), everyone steps down
 * when PostgreSQL restarts and one leads again after, and a duty can check
 * inside its own transaction that its collector still leads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectPostgres, parseDatabase, type Postgres } from '../../../collector/src/store/postgres/connect.ts';
import { electLeader, type Leadership } from '../../../collector/src/store/postgres/leader.ts';
import { usePostgresCluster } from '../../support/postgres.ts';
import { onProcessExit } from '../../support/procs.ts';
import { waitUntil } from '../../support/wait.ts';

const CHILD = fileURLToPath(new URL('../../support/postgres-leader-child.ts', import.meta.url));
const RETRY_MS = 250;
const cluster = usePostgresCluster();
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}); });

async function store(url: string): Promise<Postgres> {
  const t = parseDatabase(url);
  if (t.kind !== 'postgres') throw new Error('not postgres');
  const db = await connectPostgres(t.target, { startupTimeoutMs: 20_000 });
  cleanup.push(() => db.close());
  return db;
}

function candidate(db: Postgres): Leadership & { changes: boolean[] } {
  const l = electLeader(db, { retryMs: RETRY_MS, checkMs: 200 });
  const changes: boolean[] = [];
  l.onChange((v) => changes.push(v));
  cleanup.push(() => l.stop());
  return Object.assign(l, { changes });
}

const leaders = (ls: Leadership[]) => ls.filter((l) => l.isLeader()).length;

/** A leader in a process of its own; resolves once it leads. */
async function childLeader(url: string): Promise<{ proc: ChildProcess; lines: { leader?: boolean; at?: number }[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, url, String(RETRY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const unregister = onProcessExit(() => proc.kill('SIGKILL'));
  cleanup.push(async () => { proc.kill('SIGKILL'); unregister(); });
  const lines: { leader?: boolean; at?: number }[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
  });
  await waitUntil('the child to lead', () => lines.some((l) => l.leader === true), { timeoutMs: 20_000, intervalMs: 20 });
  return { proc, lines };
}

describe('leader election', () => {
  it('elects exactly one of three, and another within the retry when the leader stops', async () => {
    const db = await store(await cluster().createDatabase('leader'));
    const all = [candidate(db), candidate(db), candidate(db)];
    await waitUntil('a leader', () => leaders(all) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(leaders(all)).toBe(1);
    const first = all.find((l) => l.isLeader())!;
    await first.stop();
    expect(first.changes).toEqual([true, false]);
    const t0 = Date.now();
    await waitUntil('a new leader', () => leaders(all) === 1, { timeoutMs: 10_000, intervalMs: 10 });
    expect(Date.now() - t0).toBeLessThan(RETRY_MS + 2_000);
    expect(first.isLeader()).toBe(false);
  });

  it('hands over when the leader process is killed with SIGKILL', async () => {
    const url = await cluster().createDatabase('leader');
    const child = await childLeader(url);
    const follower = candidate(await store(url));
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(follower.isLeader()).toBe(false);
    const t0 = Date.now();
    child.proc.kill('SIGKILL');
    await waitUntil('the follower to lead', () => follower.isLeader(), { timeoutMs: 10_000, intervalMs: 5 });
    expect(Date.now() - t0).toBeLessThan(RETRY_MS + 2_000);
  });

  it('steps everyone down when PostgreSQL restarts, and elects one again after', async () => {
    const db = await store(await cluster().createDatabase('leader'));
    const all = [candidate(db), candidate(db)];
    await waitUntil('a leader', () => leaders(all) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    const before = all.find((l) => l.isLeader())!;
    await cluster().stop('immediate');
    try {
      await waitUntil('no leader while PostgreSQL is down', () => leaders(all) === 0, { timeoutMs: 10_000, intervalMs: 10 });
      expect(before.changes.at(-1)).toBe(false);
    } finally {
      await cluster().start();
    }
    await waitUntil('a leader again', () => leaders(all) === 1, { timeoutMs: 20_000, intervalMs: 20 });
  }, 60_000);

  it('lets a duty check in its own transaction that its collector still leads', async () => {
    const db = await store(await cluster().createDatabase('leader'));
    const [a, b] = [candidate(db), candidate(db)];
    await waitUntil('a leader', () => leaders([a, b]) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    const [lead, follow] = a.isLeader() ? [a, b] : [b, a];
    expect(await lead.stillLeads(db.pool)).toBe(true);
    expect(await follow.stillLeads(db.pool)).toBe(false);
    // The leader's session is ended behind its back (as by a DBA or a failing network): once it has exited (the
    // 5 s wait of pg_terminate_backend), the lock is gone.
    await db.pool.query(`SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2`);
    expect(await lead.stillLeads(db.pool)).toBe(false);
    await waitUntil('the other to lead', () => follow.isLeader() && !lead.isLeader(), { timeoutMs: 10_000, intervalMs: 10 });
  });
});
