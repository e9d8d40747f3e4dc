/**
 * `dcprobe-collector store copy`: a SQLite store, with events still in its
 * ingest journal, copied whole into a new PostgreSQL database: every table
 * has its rows over (hidden flaps, notices, deliveries and their attempts,
 * statements and their files, the statement schedule, API tokens, the
 * reports' source), every read of the store interface answers the same from
 * both, a customer-month included; a database that is not empty is refused
 * and left as it was; the password never printed.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../collector/src/cli.ts';
import { begin, newDelivery, settle } from '../../../collector/src/delivery/machine.ts';
import { openStore } from '../../../collector/src/store/open.ts';
import type { Store } from '../../../collector/src/store/types.ts';
import { audit, customer, exclusion, report } from '../../contract/store/ledger.ts';
import { item } from '../../contract/store/ingest.ts';
import { flapFrame } from '../../contract/store/hidden-flaps.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';
import { storeRows } from '../../support/store-sql.ts';
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
  await s.commit({ items: [flapFrame('c', T + 40_000)] });
  await s.appendReport(report('R-2', 1, 'c1', T + 2000, { source: 'customer' }), audit('report', 'R-2', 1));
  await fillDeliveries(s);
  await s.addApiToken({ name: 'portal', role: 'customer', customer: 'c1', tokenHash: `sha256:${'a'.repeat(64)}`, createdAt: T, createdBy: 'noc', revokedAt: null, revokedBy: null });
}

const POLICY = { firstDelayMs: 1000, maxDelayMs: 10_000, maxAttempts: 3, maxAgeMs: 86_400_000 };

/** A notice delivered by webhook (its receipt appends R-1's notice version) while its e-mail failed once; a statement with its files and delivery. */
async function fillDeliveries(s: Store): Promise<void> {
  const d = (channel: 'webhook' | 'email', id: string, kind: 'notice' | 'statement' = 'notice') =>
    newDelivery({ id: `D-${id}-${channel}`, channel, customer: 'c1', item: { kind, id }, target: channel === 'email' ? 'noc@example.net' : 'http://127.0.0.1/x', createdAt: T + 3000 });
  await s.recordNotice({ id: 'N-1', report: 'R-1', customer: 'c1', draft: '{"report":"R-1"}', status: 'drafted', draftedAt: T + 2500, confirmedAt: null, confirmedBy: null, deliveredAt: null });
  await s.confirmNotice('N-1', T + 3000, 'desk', [{ delivery: d('webhook', 'N-1'), content: '{"a":1}' }, { delivery: d('email', 'N-1'), content: '{"b":2}' }]);
  await s.saveDelivery(settle(begin(d('email', 'N-1'), T + 3100), { kind: 'failure', failure: 'refused', detail: 'ECONNREFUSED', permanent: false }, T + 3101, POLICY, 0));
  await s.deliverNotice(settle(begin(d('webhook', 'N-1'), T + 3200), { kind: 'receipt', at: T + 3201, response: 'HTTP 200' }, T + 3201, POLICY, 0), 'delivery');
  const files = [
    { name: 'ST-1.csv', mediaType: 'text/csv', sha256: 'ab'.repeat(32), content: Buffer.from('a,b\r\n') },
    { name: 'ST-1.pdf', mediaType: 'application/pdf', sha256: 'cd'.repeat(32), content: Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe]) },
  ];
  await s.recordStatement({ id: 'ST-1', customer: 'c1', month: '2026-10', revision: 0, issuedAt: T + 4000, reason: null, files },
    [{ delivery: d('webhook', 'ST-1', 'statement'), content: '{"s":1}' }]);
  await s.setStatementWatermark(T + 4000);
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
    notices: await s.notices(), openDeliveries: await s.deliveries(),
    deliveries: [await s.deliveries({ kind: 'notice', id: 'N-1' }), await s.deliveries({ kind: 'statement', id: 'ST-1' })],
    statements: await s.statements('c1'), watermark: await s.statementWatermark(), tokens: await s.apiTokens(),
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
      expect(out).toEqual(expect.arrayContaining(['observations: 11 rows', 'hidden_flaps: 1 rows', 'notices: 1 rows', 'deliveries: 3 rows',
        'delivery_attempts: 2 rows', 'statements: 1 rows', 'statement_files: 2 rows', 'statement_schedule: 1 rows', 'api_tokens: 1 rows']));

      // Each copied subject's owner, as migration 9 gives one: its latest observation's agent.
      const latest = new Map<string, string | null>();
      for (const o of storeRows<{ subject: string; agent_id: string | null }>(file, 'SELECT subject, agent_id FROM observations ORDER BY subject, at, id')) latest.set(o.subject, o.agent_id);
      const owners = [...latest].filter(([, agent]) => agent !== null).map(([subject, agent]) => `${subject}|${agent}`);
      expect(owners.length).toBeGreaterThan(0);
      expect((await cluster().psql('SELECT subject, agent_id FROM subject_owners ORDER BY subject', databaseOf(url))).trim().split('\n')).toEqual(owners);

      const [a, b] = [await openStore(file), await openStore(url)];
      try {
        const [fromA, fromB] = [await readAll(a), await readAll(b)];
        expect(fromB).toEqual(fromA);
        // What the copy must carry, not only two stores reading alike: filled as fill() left it.
        expect(fromB).toMatchObject({
          month: { hiddenFlaps: [{ subject: 'sw1/p1', since: T + 50_000, at: T + 52_000 }] },
          reports: [{ id: 'R-1', version: 3, noticeAt: T + 3201 }, { id: 'R-2', source: 'customer' }],
          notices: [{ id: 'N-1', status: 'delivered' }], openDeliveries: [{ delivery: { id: 'D-N-1-email', attempts: [{ n: 1 }] } }, { delivery: { id: 'D-ST-1-webhook' } }],
          statements: [{ id: 'ST-1', files: [{ name: 'ST-1.csv' }, { name: 'ST-1.pdf', content: Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe]) }] }],
          watermark: T + 4000, tokens: [{ name: 'portal', customer: 'c1' }],
        });
        await b.importObservations([{ subject: 'sw1/p9', kind: 'port', state: 'up', at: T, via: 'poll', agentId: null, seq: null }], T);
        expect(await b.countObservations()).toBe(12);
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
