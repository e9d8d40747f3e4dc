/**
 * `dcprobe-collector store copy`: a SQLite store, with events still in its
 * ingest journal, copied whole into a new PostgreSQL database: every read
 * of the store interface answers the same from both, a customer-month
 * included; a database that is not empty is refused and left as it was;
 * the password never printed.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../collector/src/cli.ts';
import { openStore } from '../../../collector/src/store/open.ts';
import type { Store } from '../../../collector/src/store/types.ts';
import { audit, customer, exclusion, report } from '../../contract/store/ledger.ts';
import { item } from '../../contract/store/ingest.ts';
import { usePostgresCluster } from '../../support/postgres.ts';
import { tempDir } from '../../support/temp.ts';

const cluster = usePostgresCluster();
const T = Date.UTC(2026, 10, 3, 0, 0, 0);

async function fill(s: Store): Promise<void> {
  await s.recordHello({ agentId: 'a', at: T, clockOffsetMs: 3, version: '1.0.0', host: { hostname: 'rack-a' }, closeGap: false, observations: [] });
  await s.commit({ items: [item('a', [1, 2, 3, 4, 5], 5), item('b', [1, 2, 4], 2, { rejects: [[3, 'bad', '{}']] })] });
  await s.recordSilence({ agentId: 'b', at: T + 60_000, start: T + 30_000, observations: [
    { subject: 'sw1/p1', kind: 'port', state: 'unknown', at: T + 30_000, via: 'gap', agentId: 'b', seq: null, evidence: { reason: 'silent' } }] });
  await s.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1', 'sw1/p2']), audit: audit('customer', 'c1', 1) }]);
  await s.appendReport(report('R-1', 1, 'c1', T + 1000), audit('report', 'R-1', 1));
  await s.appendReport(report('R-1', 2, 'c1', T + 1000, { text: 'corrected' }), audit('report', 'R-1', 2, { why: 'typo' }));
  await s.appendExclusion(exclusion('X-1', 1, undefined, T), audit('exclusion', 'X-1', 1));
}

/** Everything the interface reads, for a comparison. */
async function readAll(s: Store): Promise<unknown> {
  const plan = () => ({ subjects: ['sw1/p1', 'sw1/p2', 'sw1/p3'], from: T - 1000, asOf: T + 100_000 });
  const month = await s.readMonth('c1', plan);
  return {
    agents: await s.agents(), cursors: await s.cursors(), current: (await s.currentStates()).sort((x, y) => x.subject.localeCompare(y.subject)),
    gaps: await s.gaps(0, T + 10 ** 9), open: await s.openGaps(), count: await s.countObservations(), rejected: await s.rejectedEvents('b'),
    customers: await s.customerVersions(), reports: await s.latestReports(), history: await s.reportHistory('R-1'), exclusions: await s.latestExclusions(),
    audit: [await s.audit('report', 'R-1'), await s.audit('customer', 'c1'), await s.audit('exclusion', 'X-1')],
    month: { ...month, observations: Object.fromEntries(month!.observations) },
  };
}

describe('store copy from SQLite to PostgreSQL', () => {
  it('copies every table: the store interface reads the same from both, and new rows get new ids', async () => {
    const tmp = tempDir('dcprobe-copy-');
    try {
      const file = `${tmp.dir}/store.sqlite`;
      const sqlite = await openStore(file, { holdProjection: true }); // commits left in the ingest journal
      await fill(sqlite);
      await sqlite.close();
      const url = await cluster().createDatabase('copy');
      const out: string[] = [], err: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
      expect(await main(['store', 'copy', '--from', file, '--to', url], io)).toBe(0);
      expect(err).toEqual([]);
      expect(out.join('\n')).not.toContain(cluster().password);
      expect(out).toContain('observations: 9 rows');

      const [a, b] = [await openStore(file), await openStore(url)];
      try {
        expect(await readAll(b)).toEqual(await readAll(a));
        await b.importObservations([{ subject: 'sw1/p9', kind: 'port', state: 'up', at: T, via: 'poll', agentId: null, seq: null }], T);
        expect(await b.countObservations()).toBe(10);
      } finally {
        await a.close();
        await b.close();
      }

      expect(await main(['store', 'copy', '--from', file, '--to', url], io)).toBe(1); // not empty any more
      expect(err.at(-1)).toMatch(/table agents is not empty: copy only into a new database$/);
      expect(err.at(-1)).not.toContain(cluster().password);
    } finally {
      tmp.cleanup();
    }
  });
});
