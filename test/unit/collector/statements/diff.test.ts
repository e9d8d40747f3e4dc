/**
 * A revised statement says what changed: the diff of two results of one month
 * names each changed figure by customer, service, report, exclusion or outage,
 * with its value before and after, and nothing that did not change.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { diffResults } from '../../../../collector/src/statements/diff.ts';

const scenario = () => JSON.parse(readFileSync(new URL('../../../fixtures/sla-examples/05-authorised-work.json', import.meta.url), 'utf8'));
const result = (s: unknown) => reconcile(parseScenario(s));

describe('diff of two results', () => {
  it('is empty for the same data', () => {
    expect(diffResults(result(scenario()), result(scenario()))).toEqual([]);
  });

  it('names every figure an exclusion withdrawn after the freeze changes', () => {
    const after = scenario();
    after.exclusions = [];
    expect(diffResults(result(scenario()), result(after))).toEqual([
      { path: 'customers.cust-a.network.countableSeconds', before: 1500, after: 3300 },
      { path: 'customers.cust-a.network.excludedSeconds', before: 1800, after: 0 },
      { path: 'customers.cust-a.network.disputedSeconds', before: 1800, after: 0 },
      { path: 'customers.cust-a.network.availability', before: 1 - 1500 / 2_592_000, after: 1 - 3300 / 2_592_000 },
      { path: 'customers.cust-a.network.breached', before: false, after: true },
      { path: 'customers.cust-a.network.feeWaived', before: false, after: true },
      { path: 'customers.cust-a.network.reports.T-5.countableSeconds', before: 1500, after: 3300 },
      { path: 'customers.cust-a.network.reports.T-5.excludedSeconds', before: 1800, after: 0 },
      { path: 'customers.cust-a.network.exclusions.X-5.removedSeconds', before: 1800, after: null },
    ]);
  });

  it('names a corrected notice time and a report added late', () => {
    const after = scenario();
    after.reports[0].noticeAt = '2026-11-12T21:00:00+08:00';
    after.reports.push({ id: 'T-6', customer: 'cust-a', service: 'network', reportedAt: '2026-11-20T08:00:00+08:00', noticeAt: '2026-11-20T08:30:00+08:00' });
    const changes = diffResults(result(scenario()), result(after));
    expect(changes.filter((c) => c.path.includes('.reports.'))).toEqual([
      { path: 'customers.cust-a.network.reports.T-5.noticeAt', before: '2026-11-12T21:05:00+08:00', after: '2026-11-12T21:00:00+08:00' },
      { path: 'customers.cust-a.network.reports.T-5.claimedEnd', before: '2026-11-12T21:05:00+08:00', after: '2026-11-12T21:00:00+08:00' },
      { path: 'customers.cust-a.network.reports.T-5.countableSeconds', before: 1500, after: 1200 },
      { path: 'customers.cust-a.network.reports.T-5.claimedSeconds', before: 3300, after: 3000 },
      { path: 'customers.cust-a.network.reports.T-6', before: null, after: 'not_confirmed' },
    ]);
  });

  it('names a verdict that changes when the outage\'s measurements turn out to be wrong', () => {
    const after = scenario();
    after.observations = after.observations.filter((o: { state: string }) => o.state !== 'down');
    const reportChanges = diffResults(result(scenario()), result(after)).filter((c) => c.path.includes('.reports.T-5.'));
    expect(reportChanges.slice(0, 2)).toEqual([
      { path: 'customers.cust-a.network.reports.T-5.verdict', before: 'confirmed', after: 'not_confirmed' },
      { path: 'customers.cust-a.network.reports.T-5.basis', before: 'contract', after: null },
    ]);
  });

  it('refuses to compare two months', () => {
    const other = scenario();
    other.month = '2026-12';
    expect(() => diffResults(result(scenario()), result(other))).toThrow('month: cannot compare 2026-11 with 2026-12');
  });
});
