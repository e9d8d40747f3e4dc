/**
 * The PostgreSQL store held to the same store contract as SQLite, on a
 * private cluster (a fresh database per case); then what only a shared
 * database adds: two stores on one database (two collectors) append the same
 * next version, one wins and the other gets E.CONFLICT; and the ledger
 * tables refuse UPDATE and DELETE as SQLite's do.
 */
import { describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { openStore } from '../../../collector/src/store/open.ts';
import type { Store } from '../../../collector/src/store/types.ts';
import { runStoreContract } from '../../contract/store/index.ts';
import { audit, customer, report } from '../../contract/store/ledger.ts';
import { usePostgresCluster } from '../../support/postgres.ts';

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
    const db = url.slice(url.lastIndexOf('/') + 1);
    for (const sql of ['UPDATE customer_versions SET valid_from = 5', 'DELETE FROM audit', 'TRUNCATE report_versions']) {
      await expect(cluster().psql(sql, db)).rejects.toThrow(/append-only/);
    }
  });
});
