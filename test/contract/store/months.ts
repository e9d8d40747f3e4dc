/**
 * Every customer's month in one read (readMonths): batches of customers by
 * id, each customer's snapshot what readMonth gives it, and all of them from
 * one snapshot, however long the caller takes over a batch.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerMonth, CustomerVersion, MonthPlan, MonthSnapshot, ObservationRow, Store } from '../../../collector/src/store/types.ts';
import { flapFrame } from './hidden-flaps.ts';
import type { ContractContext } from './index.ts';
import { audit, customer, exclusion, report } from './ledger.ts';

const H = 3_600_000;
const T = Date.UTC(2026, 10, 3, 2, 0, 0);
const AS_OF = T + 100 * H;

const row = (subject: string, state: ObservationRow['state'], at: number): ObservationRow => ({ subject, kind: 'port', state, at, via: 'poll', agentId: null, seq: null });

/** Windows that differ per customer over shared subjects: c1 from T - 10 h, c2 from T, c3 from T + 10 h, c4 none (left out). */
const FROM: Record<string, number | null> = { c1: T - 10 * H, c2: T, c3: T + 10 * H, c4: null, c5: T };
function plan(versions: readonly CustomerVersion[]): MonthPlan | null {
  const from = FROM[versions[0]!.customer];
  if (from === null || from === undefined) return null;
  return { subjects: versions.flatMap((v) => [...v.spec.network!.ports, ...v.spec.power!.feeds]), from, asOf: AS_OF };
}

/** A snapshot with its Map as an object, for a comparison that shows what differs. */
const plain = (s: MonthSnapshot | null) => (s ? { ...s, observations: Object.fromEntries(s.observations) } : s);

async function readAll(store: Store, batchSize: number, each: (batch: CustomerMonth[]) => Promise<void> = async () => {}): Promise<CustomerMonth[][]> {
  const batches: CustomerMonth[][] = [];
  await store.readMonths(plan, async (b) => { batches.push(b); await each(b); }, batchSize);
  return batches;
}

export function monthsContract(ctx: ContractContext): void {
  describe('every customer\'s month in one read', () => {
    it('hands the customers over in batches by id, each snapshot what readMonth reads for it', async () => {
      const { store } = await ctx.open();
      for (const id of ['c5', 'c3', 'c1', 'c4', 'c2']) {
        await store.appendCustomerVersions([{ version: customer(id, 1, ['sw1/p1', `sw1/${id}`]), audit: audit('customer', id, 1) }]);
      }
      await store.appendCustomerVersions([{ version: customer('c2', 2, ['sw1/p2'], T + H), audit: audit('customer', 'c2', 2) }]);
      await store.importObservations([
        row('sw1/p1', 'up', T - 48 * H), row('sw1/p1', 'down', T - 12 * H), row('sw1/p1', 'up', T - 5 * H), row('sw1/p1', 'down', T),
        row('sw1/p1', 'up', T + 5 * H), row('sw1/p1', 'down', T + 20 * H), row('sw1/p1', 'up', AS_OF + H),
        row('sw1/c3', 'down', T + 10 * H), row('sw1/c5', 'up', T - 100 * H), row('pdu-c1/a', 'mains', T - H),
      ], T);
      await store.commit({ items: [flapFrame('a', T + 30 * H)] });
      await store.settled();
      await store.appendReport(report('R-1', 1, 'c1', T + 11 * H), audit('report', 'R-1', 1));
      await store.appendReport(report('R-3', 1, 'c3', T + 12 * H), audit('report', 'R-3', 1));
      await store.appendReport(report('R-3b', 1, 'c3', T + 2 * H), audit('report', 'R-3b', 1));
      await store.appendExclusion(exclusion('X-all', 1, undefined, T), audit('exclusion', 'X-all', 1));
      await store.appendExclusion(exclusion('X-c2', 1, 'c2', T), audit('exclusion', 'X-c2', 1));

      const batches = await readAll(store, 2);
      expect(batches.map((b) => b.map((m) => m.customer))).toEqual([['c1', 'c2'], ['c3', 'c5']]);
      for (const m of batches.flat()) expect(plain(m.snapshot)).toEqual(plain(await store.readMonth(m.customer, plan)));
      // What makes the comparison worth it: windows cut apart over one subject, flaps, reports and exclusions per customer.
      const c = Object.fromEntries(batches.flat().map((m) => [m.customer, m.snapshot]));
      expect(c['c1']!.observations.get('sw1/p1')!.map((o) => o.at)).toEqual([T - 12 * H, T - 5 * H, T, T + 5 * H, T + 20 * H, T + 30 * H]);
      expect(c['c3']!.observations.get('sw1/p1')!.map((o) => o.at)).toEqual([T + 5 * H, T + 20 * H, T + 30 * H]);
      expect(c['c3']!.observations.get('sw1/c3')).toEqual([{ subject: 'sw1/c3', state: 'down', at: T + 10 * H }]);
      expect(c['c2']!.versions.map((v) => v.version)).toEqual([1, 2]);
      expect(c['c1']!.hiddenFlaps).toEqual([{ subject: 'sw1/p1', since: T + 30 * H + 10_000, at: T + 30 * H + 12_000 }]);
      expect(c['c3']!.reports.map((r) => r.id)).toEqual(['R-3b', 'R-3']);
      expect(c['c2']!.exclusions.map((x) => x.id)).toEqual(['X-all', 'X-c2']);
      expect(c['c5']!.exclusions.map((x) => x.id)).toEqual(['X-all']);
    });

    it('reads every batch from one snapshot: what commits while the caller handles a batch is in none after it', async () => {
      const { store } = await ctx.open();
      for (const id of ['c1', 'c2', 'c3']) await store.appendCustomerVersions([{ version: customer(id, 1, [`sw1/${id}`]), audit: audit('customer', id, 1) }]);
      await store.importObservations([row('sw1/c3', 'up', T)], T);
      const before = plain(await store.readMonth('c3', plan));

      const batches = await readAll(store, 1, async (b) => {
        if (b[0]!.customer !== 'c1') return;
        await store.importObservations([row('sw1/c3', 'down', T + 11 * H)], T);
        await store.settled();
        await store.appendReport(report('R-3', 1, 'c3', T + 2 * H), audit('report', 'R-3', 1));
        await store.appendCustomerVersions([{ version: customer('c3', 2, ['sw1/c3'], T + 3 * H), audit: audit('customer', 'c3', 2) }]);
      });
      expect(plain(batches[2]![0]!.snapshot)).toEqual(before);
      // The changes did commit: a read now sees them.
      const after = await store.readMonth('c3', plan);
      expect([after!.observations.get('sw1/c3')!.length, after!.reports.length, after!.versions.length]).toEqual([2, 1, 2]);
    });

    it('calls the caller never when no customer has a version', async () => {
      const { store } = await ctx.open();
      expect(await readAll(store, 10)).toEqual([]);
    });
  });
}
