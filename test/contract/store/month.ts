/**
 * One customer-month in one read: planned from the customer's versions as
 * the same snapshot holds them, with each planned subject's observations over
 * the window, the customer's reports and the exclusions that concern it.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerVersion, MonthPlan, ObservationRow } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';
import { audit, customer, exclusion, report } from './ledger.ts';

const H = 3_600_000;
const FROM = Date.UTC(2026, 9, 25);
const AS_OF = Date.UTC(2026, 11, 5);

const row = (subject: string, state: ObservationRow['state'], at: number): ObservationRow => ({ subject, kind: 'port', state, at, via: 'poll', agentId: null, seq: null });

export function monthContract(ctx: ContractContext): void {
  describe('a customer-month snapshot', () => {
    it('plans from the versions and returns per subject the state at the window\'s start and the changes in it', async () => {
      const { store } = await ctx.open();
      await store.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
      await store.appendCustomerVersions([{ version: customer('c1', 2, ['sw1/p2'], FROM + 100 * H), audit: audit('customer', 'c1', 2) }]);
      await store.importObservations([
        row('sw1/p1', 'up', FROM - 48 * H), row('sw1/p1', 'down', FROM - 2 * H), // before the window: only the last counts
        row('sw1/p1', 'up', FROM), row('sw1/p1', 'down', FROM + 10 * H), row('sw1/p1', 'up', AS_OF + H), // at the start; in; after asOf
        row('sw1/p2', 'up', FROM + 5 * H), row('sw9/other', 'down', FROM + H),
      ], FROM);
      await store.appendReport(report('R-1', 1, 'c1', FROM + 11 * H), audit('report', 'R-1', 1));
      await store.appendReport(report('R-2', 1, 'c2', FROM + 11 * H), audit('report', 'R-2', 1));
      await store.appendExclusion(exclusion('X-all', 1, undefined, FROM), audit('exclusion', 'X-all', 1));
      await store.appendExclusion(exclusion('X-c2', 1, 'c2', FROM), audit('exclusion', 'X-c2', 1));

      let seen: readonly CustomerVersion[] = [];
      const snap = await store.readMonth('c1', (versions): MonthPlan => {
        seen = versions;
        return { subjects: versions.flatMap((v) => v.spec.network!.ports), from: FROM, asOf: AS_OF };
      });
      expect(seen.map((v) => v.version)).toEqual([1, 2]);
      expect(snap!.versions).toEqual(seen);
      expect(Object.fromEntries(snap!.observations)).toEqual({
        'sw1/p1': [{ subject: 'sw1/p1', state: 'up', at: FROM }, { subject: 'sw1/p1', state: 'down', at: FROM + 10 * H }],
        'sw1/p2': [{ subject: 'sw1/p2', state: 'up', at: FROM + 5 * H }],
      });
      expect(snap!.reports.map((r) => r.id)).toEqual(['R-1']);
      expect(snap!.exclusions.map((x) => x.id)).toEqual(['X-all']);
    });

    it('gives a subject with no change in the window its last state before it', async () => {
      const { store } = await ctx.open();
      await store.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
      await store.importObservations([row('sw1/p1', 'up', FROM - 48 * H), row('sw1/p1', 'down', FROM - 2 * H)], FROM);
      const snap = await store.readMonth('c1', () => ({ subjects: ['sw1/p1', 'sw1/never'], from: FROM, asOf: AS_OF }));
      expect(Object.fromEntries(snap!.observations)).toEqual({ 'sw1/p1': [{ subject: 'sw1/p1', state: 'down', at: FROM - 2 * H }], 'sw1/never': [] });
    });

    it('reads ports\' changes with the administrative state their events carried, over the same window', async () => {
      const { store } = await ctx.open();
      const ev = (o: ObservationRow, evidence: Record<string, unknown>): ObservationRow => ({ ...o, evidence });
      await store.importObservations([
        ev(row('sw1/p 1', 'up', FROM - 2 * H), { ifAdminStatus: 1, admin: 'up' }),
        ev(row('sw1/p 1', 'down', FROM + H), { ifAdminStatus: 2, admin: 'down' }),
        ev(row('sw1/p 1', 'down', FROM + 2 * H), { admin: 'sideways' }), // outside the vocabulary: not shown as one
        row('sw1/p 1', 'unknown', FROM + 3 * H), // no evidence
        ev(row('sw1/p 1', 'up', AS_OF + H), { admin: 'up' }),
      ], FROM);
      const got = await store.portChanges(['sw1/p 1', 'sw1/never'], FROM, AS_OF);
      expect(Object.fromEntries(got)).toEqual({
        'sw1/p 1': [
          { subject: 'sw1/p 1', state: 'up', at: FROM - 2 * H, via: 'poll', admin: 'up' },
          { subject: 'sw1/p 1', state: 'down', at: FROM + H, via: 'poll', admin: 'down' },
          { subject: 'sw1/p 1', state: 'down', at: FROM + 2 * H, via: 'poll', admin: null },
          { subject: 'sw1/p 1', state: 'unknown', at: FROM + 3 * H, via: 'poll', admin: null },
        ],
        'sw1/never': [],
      });
    });

    it('answers null when the plan finds nothing to read (a customer without versions)', async () => {
      const { store } = await ctx.open();
      let seen: readonly CustomerVersion[] | undefined;
      expect(await store.readMonth('nobody', (v) => { seen = v; return null; })).toBeNull();
      expect(seen).toEqual([]);
    });
  });
}
