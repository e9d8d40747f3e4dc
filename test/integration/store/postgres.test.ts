/**
 * The PostgreSQL store held to the same store contract as SQLite, on a
 * private cluster (a fresh database per case); then what only a shared
 * database adds: two stores on one database (two collectors) append the same
 * next version, one wins and the other gets E.CONFLICT; and the ledger
 * tables refuse UPDATE and DELETE as SQLite's do.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { E } from '@dcprobe/shared';
import { openStore } from '../../../collector/src/store/open.ts';
import type { CustomerVersion, MonthPlan, Store } from '../../../collector/src/store/types.ts';
import type { PostgresStore } from '../../../collector/src/store/postgres/store.ts';
import { runStoreContract } from '../../contract/store/index.ts';
import { audit, customer, report } from '../../contract/store/ledger.ts';
import { item } from '../../contract/store/ingest.ts';
import { eventually, sleep, until } from '../../support/wait.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';

const cluster = usePostgresCluster();

runStoreContract({
  name: 'PostgreSQL',
  reopens: true,
  async newStore() {
    const url = await cluster().createDatabase('contract');
    let store: Store = await openStore(url);
    return {
      store,
      async reopen() { await store.close(); store = await openStore(url); return store; },
      async teardown() { await store.close(); },
    };
  },
});

describe('PostgreSQL store shared by two collectors', () => {
  it('lets one of two concurrent corrections of a report win and refuses the other with E.CONFLICT', async () => {
    const url = await cluster().createDatabase('race');
    const [a, b] = [await openStore(url), await openStore(url)];
    try {
      await a.appendReport(report('T-1', 1, 'c1', 5), audit('report', 'T-1', 1));
      const results = await Promise.allSettled([
        a.appendReport(report('T-1', 2, 'c1', 5, { text: 'from a' }), audit('report', 'T-1', 2)),
        b.appendReport(report('T-1', 2, 'c1', 5, { text: 'from b' }), audit('report', 'T-1', 2)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toMatchObject({ code: E.CONFLICT });
      expect((await b.reportHistory('T-1')).map((v) => v.version)).toEqual([1, 2]);
      expect(await a.audit('report', 'T-1')).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses UPDATE and DELETE on the ledger tables: a correction can only be a new version', async () => {
    const url = await cluster().createDatabase('appendonly');
    const store = await openStore(url);
    await store.appendCustomerVersions([{ version: customer('a', 1, ['sw1/p1']), audit: audit('customer', 'a', 1) }]);
    await store.close();
    const db = databaseOf(url);
    for (const sql of ['UPDATE customer_versions SET valid_from = 5', 'DELETE FROM audit', 'TRUNCATE report_versions']) {
      await expect(cluster().psql(sql, db)).rejects.toThrow(/append-only/);
    }
  });
});

describe('PostgreSQL store: several collectors', () => {
  const T = Date.UTC(2026, 10, 3, 4, 0, 0);
  async function pair(name: string): Promise<[Store, Store]> {
    const url = await cluster().createDatabase(name);
    const a = await openStore(url);
    const b = await openStore(url);
    onTestFinished(async () => { await a.close(); await b.close(); });
    return [a, b];
  }

  it('fences the collector whose agent said hello to another: it writes and acks nothing more, the other resumes from its cursor', async () => {
    const [a, b] = await pair('fence');
    await a.claimAgent('x', T);
    await a.commit({ items: [item('x', [1, 2, 3], 3)] });
    const claim = await b.claimAgent('x', T + 1000);
    expect(claim.cursor).toEqual({ agentId: 'x', committed: 3, above: [] });
    await expect(a.commit({ items: [item('x', [4, 5], 5)] })).rejects.toMatchObject({ code: E.STORE_FENCED });
    expect(await b.countObservations()).toBe(3);
    await b.commit({ items: [item('x', [4, 5], 5)] });
    expect((await a.cursors()).map((c) => [c.agentId, c.committed])).toEqual([['x', 5]]);
  });

  it('records each subject\'s first agent in the commit, and refuses whole a commit claiming one another agent holds, naming its owner', async () => {
    const [a, b] = await pair('claims');
    // item()'s seq n is an event for sw1/p(n % 4).
    await a.commit({ items: [item('x', [1], 1)], claims: [{ subject: 'sw1/p1', agentId: 'x' }] });
    // The same agent's claim through another collector (whose admission had not heard of it yet) is its own.
    await b.commit({ items: [item('x', [5], 5)], claims: [{ subject: 'sw1/p1', agentId: 'x' }] });
    const refused = b.commit({ items: [item('y', [1, 2], 2)], claims: [{ subject: 'sw1/p1', agentId: 'y' }, { subject: 'sw1/p2', agentId: 'y' }] });
    await expect(refused).rejects.toMatchObject({ code: E.SUBJECT_TAKEN, owners: new Map([['sw1/p1', 'x']]) });
    // Nothing of it: not y's events, not its cursor, not its claim of sw1/p2.
    expect(await b.countObservations()).toBe(2);
    expect((await b.cursors()).map((c) => c.agentId)).toEqual(['x']);
    await b.commit({ items: [item('z', [2], 2)], claims: [{ subject: 'sw1/p2', agentId: 'z' }] });
  });

  it('never deadlocks two collectors claiming the same subjects in opposite orders: one commit wins, the other is refused as taken', async () => {
    const [a, b] = await pair('claims_order');
    // Sessions claimed and statements prepared first, so that the two claims run side by side.
    await a.commit({ items: [item('x', [1], 1)], claims: [{ subject: 'sw1/p1', agentId: 'x' }] });
    await b.commit({ items: [item('y', [2], 2)], claims: [{ subject: 'sw1/p2', agentId: 'y' }] });
    const subjects = Array.from({ length: 50_000 }, (_, i) => `sw7/p${String(i).padStart(5, '0')}`);
    const results = await Promise.allSettled([
      a.commit({ items: [item('x', [5], 5)], claims: subjects.map((subject) => ({ subject, agentId: 'x' })) }),
      b.commit({ items: [item('y', [6], 6)], claims: [...subjects].reverse().map((subject) => ({ subject, agentId: 'y' })) }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: E.SUBJECT_TAKEN });
  });

  it('opens no gap for an agent that is alive on another collector, and one for an agent silent everywhere', async () => {
    const [a, b] = await pair('silence');
    await b.claimAgent('moved', T);
    await b.recordSeen([{ agentId: 'moved', at: T + 50_000 }]);
    expect(await a.recordSilence({ agentId: 'moved', at: T + 60_000, start: T + 10_000, observations: [] })).toBe(T + 50_000);
    expect(await a.openGaps()).toEqual([]);
    await b.claimAgent('gone', T);
    await b.recordSeen([{ agentId: 'gone', at: T + 5_000 }]);
    expect(await a.recordSilence({ agentId: 'gone', at: T + 60_000, start: T + 10_000, observations: [] })).toBeNull();
    expect((await b.openGaps()).map((g) => g.agentId)).toEqual(['gone']);
    expect((await a.claimAgent('gone', T + 70_000)).inGap).toBe(true);
  });

  it('tells every collector about a ledger change another one committed', async () => {
    const [a, b] = await pair('notify');
    const heard: (string | null)[] = [];
    a.onLedgerChange((c) => heard.push(c));
    // a's LISTEN comes up shortly after it opened: a report appended before then is not heard, so another follows until one is.
    for (let i = 0; i < 20 && !heard.includes('c9'); i++) {
      await b.appendReport(report(`T-${i}`, 1, 'c9', 5), audit('report', `T-${i}`, 1));
      await sleep(250);
    }
    expect(heard).toContain('c9');
  });

  it('reads the reports of every customer\'s month in its own snapshot, on the second connection too: a report another collector commits meanwhile is in none', async () => {
    const [reader, writer] = await pair('months_snapshot');
    await writer.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
    const plan = (vs: readonly CustomerVersion[]): MonthPlan => ({ subjects: vs[0]!.spec.network!.ports, from: T, asOf: T + 3_600_000 });
    // Every pooled connection of the reader but one is held here, so the
    // read's second connection (reports and exclusions) has to wait for one
    // while its first has already taken its snapshot.
    const pool = (reader as PostgresStore).db.pool;
    const held = await Promise.all(Array.from({ length: pool.options.max! - 1 }, () => pool.connect()));
    let released = false;
    const release = () => { if (!released) { released = true; for (const c of held) c.release(); } };
    const reports: string[][] = [];
    try {
      const read = reader.readMonths(plan, (b) => { for (const m of b) reports.push(m.snapshot.reports.map((r) => r.id)); });
      read.catch(() => {}); // awaited below
      // The first connection is past its BEGIN (the snapshot is exported by its first statement) and the second waits.
      await eventually(async () => (await held[0]!.query<{ n: number }>(
        `SELECT count(*)::int n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid() AND query NOT LIKE 'BEGIN%'`,
      )).rows[0]!.n, (n) => n === 1 && pool.waitingCount === 1);
      await writer.appendReport(report('R-late', 1, 'c1', T + 60_000), audit('report', 'R-late', 1));
      release();
      await read;
    } finally {
      release(); // before the stores close: a pool ends once its connections are back
    }
    expect(reports).toEqual([[]]);
    expect((await reader.readMonth('c1', plan))!.reports.map((r) => r.id)).toEqual(['R-late']);
  });

  it('has one leader among the collectors, and another once it is gone', async () => {
    const [a, b] = await pair('leader');
    await until(() => a.isLeader() || b.isLeader(), 10_000);
    expect(a.isLeader() && b.isLeader()).toBe(false);
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];
    await leader.close();
    await until(() => other.isLeader(), 10_000);
  });
});
