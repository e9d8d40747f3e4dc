/**
 * The SQLite store held to the store contract, on real files (with their
 * ingest journal and threads) and in memory; then what only SQLite promises:
 * the ledger tables refuse UPDATE and DELETE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../collector/src/store/open.ts';
import type { Store } from '../../../collector/src/store/types.ts';
import { runStoreContract } from '../../contract/store/index.ts';
import { audit, customer, report } from '../../contract/store/ledger.ts';

function fileStore(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dcprobe-store-'));
  return { file: join(dir, 'store.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

runStoreContract({
  name: 'SQLite file',
  reopens: true,
  async newStore() {
    const { file, remove } = fileStore();
    let store: Store = await openStore(file);
    return {
      store,
      async reopen() { await store.close(); store = await openStore(file); return store; },
      async teardown() { await store.close(); remove(); },
    };
  },
});

runStoreContract({
  name: 'SQLite in memory',
  reopens: false,
  async newStore() {
    const store = await openStore(':memory:');
    return { store, teardown: () => store.close() };
  },
});

describe('SQLite store file', () => {
  it('refuses UPDATE and DELETE on the ledger tables: a correction can only be a new version', async () => {
    const { file, remove } = fileStore();
    try {
      const store = await openStore(file);
      await store.appendCustomerVersions([{ version: customer('a', 1, ['sw1/p1']), audit: audit('customer', 'a', 1) }]);
      await store.appendReport(report('T-1', 1, 'a', 5), audit('report', 'T-1', 1));
      await store.close();
      const db = new Database(file);
      try {
        for (const sql of ['UPDATE customer_versions SET valid_from = 5', 'DELETE FROM report_versions', 'UPDATE audit SET actor = 1', 'DELETE FROM audit']) {
          expect(() => db.exec(sql)).toThrow(/append-only/);
        }
      } finally { db.close(); }
    } finally { remove(); }
  });
});
