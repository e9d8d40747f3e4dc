/**
 * Invalidation through LISTEN/NOTIFY between two connections: a change
 * published in a transaction reaches the other collector when it commits and
 * never when it rolls back; after PostgreSQL restarts, the listener LISTENs
 * again by itself, says "everything changed" for what it may have missed, and
 * hears the next change.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectPostgres, parseDatabase, type Postgres } from '../../../collector/src/store/postgres/connect.ts';
import { listenChanges, publishChange, type Change } from '../../../collector/src/store/postgres/notify.ts';
import { usePostgresCluster } from '../../support/postgres.ts';
import { waitUntil } from '../../support/wait.ts';

const cluster = usePostgresCluster();
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}); });

async function store(url: string, name: string): Promise<Postgres> {
  const t = parseDatabase(url);
  if (t.kind !== 'postgres') throw new Error('not postgres');
  const db = await connectPostgres(t.target, { applicationName: name, startupTimeoutMs: 20_000 });
  cleanup.push(() => db.close());
  return db;
}

/** Collector B listening; returns what it heard. */
async function listening(db: Postgres): Promise<Change[]> {
  const heard: Change[] = [];
  const l = listenChanges(db, (c) => heard.push(c), { retryMs: 200, checkMs: 500 });
  cleanup.push(() => l.stop());
  await l.ready();
  return heard;
}

/** Collector A writes something about a customer and publishes it in the same transaction. */
async function write(db: Postgres, change: Change, commit = true): Promise<void> {
  const c = await db.pool.connect();
  try {
    await c.query('BEGIN');
    await publishChange(c, change);
    await c.query(commit ? 'COMMIT' : 'ROLLBACK');
  } finally {
    c.release();
  }
}

describe('change notifications', () => {
  it('reach another collector when the writing transaction commits, and only then', async () => {
    const url = await cluster().createDatabase('notify');
    const [a, b] = [await store(url, 'collector-a'), await store(url, 'collector-b')];
    const heard = await listening(b);
    await write(a, { customerId: 'acme' }, false);
    await write(a, { customerId: 'acme' });
    await write(a, { customerId: null });
    await waitUntil('two changes', () => heard.length >= 2, { timeoutMs: 5_000, intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual([{ customerId: 'acme' }, { customerId: null }]);
  });

  it('listens again after PostgreSQL restarts, reporting everything changed meanwhile', async () => {
    const url = await cluster().createDatabase('notify');
    const [a, b] = [await store(url, 'collector-a'), await store(url, 'collector-b')];
    const heard = await listening(b);
    await cluster().stop('immediate');
    await cluster().start();
    await waitUntil('the listener back', () => heard.length >= 1, { timeoutMs: 20_000, intervalMs: 20 });
    expect(heard).toEqual([{ customerId: null }]);
    // Published after the restart: heard only if the new session LISTENs.
    await waitUntil('a write after the restart', () => write(a, { customerId: 'globex' }).then(() => true), { timeoutMs: 20_000, intervalMs: 100 });
    await waitUntil('the change after the restart', () => heard.length >= 2, { timeoutMs: 5_000, intervalMs: 10 });
    expect(heard).toEqual([{ customerId: null }, { customerId: 'globex' }]);
  }, 60_000);

  it('takes a payload it cannot read for "everything changed"', async () => {
    const url = await cluster().createDatabase('notify');
    const [a, b] = [await store(url, 'collector-a'), await store(url, 'collector-b')];
    const heard = await listening(b);
    await a.pool.query(`NOTIFY dcprobe_changes, 'not json'`);
    await waitUntil('the change', () => heard.length >= 1, { timeoutMs: 5_000, intervalMs: 10 });
    expect(heard).toEqual([{ customerId: null }]);
  });
});
