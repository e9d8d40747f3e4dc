/**
 * The SLA ledger's tables: versions appended with their audit rows, read back
 * as histories and latest versions, and an append that follows anything but
 * the latest stored version refused with E.CONFLICT, writing nothing.
 */
import { describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { customerSchema } from '../../../collector/src/config.ts';
import type { AuditEntry, CustomerVersion, ExclusionVersion, ReportVersion } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';

const T = Date.UTC(2026, 10, 5, 0, 0, 0);

export const customer = (id: string, version: number, ports: string[], validFrom = 0): CustomerVersion => ({
  customer: id, version, validFrom, spec: customerSchema.parse({ id, network: { ports }, power: { feeds: [`pdu-${id}/a`] } }),
  source: 'api', recordedAt: T + version, recordedBy: 'noc',
});

export const report = (id: string, version: number, customerId: string, reportedAt: number, more: Partial<ReportVersion> = {}): ReportVersion => ({
  id, version, change: version === 1 ? 'create' : 'correct', customer: customerId, service: 'network', reportedAt,
  recordedAt: T + version, recordedBy: 'desk', source: 'noc', ...more,
});

export const exclusion = (id: string, version: number, customerId: string | undefined, start: number, more: Partial<ExclusionVersion> = {}): ExclusionVersion => ({
  id, version, change: version === 1 ? 'create' : 'correct', customer: customerId, start, end: start + 3_600_000,
  category: 'maintenance', ref: `CHG-${id}`, withdrawn: false, recordedAt: T + version, recordedBy: 'desk', ...more,
});

export const audit = (entity: AuditEntry['entity'], entityId: string, version: number, detail?: unknown): AuditEntry =>
  ({ at: T + version, actor: 'desk', action: version === 1 ? 'create' : 'correct', entity, entityId, version, ...(detail === undefined ? {} : { detail }) });

const conflict = expect.objectContaining({ code: E.CONFLICT });

export function ledgerContract(ctx: ContractContext): void {
  describe('SLA ledger tables', () => {
    it('appends customer versions in one go and reads them back, oldest first', async () => {
      const { store } = await ctx.open();
      await store.appendCustomerVersions([
        { version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1, { source: 'api' }) },
        { version: customer('c2', 1, ['sw1/p2']), audit: audit('customer', 'c2', 1) },
      ]);
      await store.appendCustomerVersions([{ version: customer('c1', 2, ['sw1/p3'], T), audit: audit('customer', 'c1', 2) }]);
      expect(await store.customerVersions()).toEqual([customer('c1', 1, ['sw1/p1']), customer('c1', 2, ['sw1/p3'], T), customer('c2', 1, ['sw1/p2'])]);
      expect(await store.audit('customer', 'c1')).toEqual([audit('customer', 'c1', 1, { source: 'api' }), audit('customer', 'c1', 2)]);
    });

    it('refuses a customer version that is not the next one, and writes none of the batch', async () => {
      const { store } = await ctx.open();
      await store.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
      await expect(store.appendCustomerVersions([
        { version: customer('c2', 1, ['sw1/p2']), audit: audit('customer', 'c2', 1) },
        { version: customer('c1', 1, ['sw1/p9']), audit: audit('customer', 'c1', 1) },
      ])).rejects.toThrow(conflict);
      expect((await store.customerVersions()).map((v) => [v.customer, v.version])).toEqual([['c1', 1]]);
      expect(await store.audit('customer', 'c2')).toEqual([]);
    });

    it('keeps report versions: the history, the latest per report by time of receipt, per customer or all', async () => {
      const { store } = await ctx.open();
      await store.appendReport(report('R-2', 1, 'c1', T + 2000), audit('report', 'R-2', 1));
      await store.appendReport(report('R-1', 1, 'c1', T + 1000, { text: 'down since 9', claimedStart: T }), audit('report', 'R-1', 1));
      await store.appendReport(report('R-1', 2, 'c1', T + 1000, { noticeAt: T + 5000, change: 'notice', reason: 'restored' }), audit('report', 'R-1', 2, { reason: 'restored' }));
      await store.appendReport(report('R-3', 1, 'c2', T), audit('report', 'R-3', 1));
      expect(await store.reportHistory('R-1')).toEqual([
        report('R-1', 1, 'c1', T + 1000, { text: 'down since 9', claimedStart: T }),
        report('R-1', 2, 'c1', T + 1000, { noticeAt: T + 5000, change: 'notice', reason: 'restored' }),
      ]);
      expect((await store.latestReports('c1')).map((r) => [r.id, r.version])).toEqual([['R-1', 2], ['R-2', 1]]);
      expect((await store.latestReports()).map((r) => r.id)).toEqual(['R-3', 'R-1', 'R-2']);
      expect(await store.reportHistory('R-404')).toEqual([]);
      expect((await store.audit('report', 'R-1')).map((a) => [a.version, a.detail])).toEqual([[1, undefined], [2, { reason: 'restored' }]]);
    });

    it('keeps who entered a report: a customer-filed one reads back as such, in its history and the latest list', async () => {
      const { store } = await ctx.open();
      await store.appendReport(report('R-1', 1, 'c1', T, { source: 'customer', recordedBy: 'c1-portal' }), audit('report', 'R-1', 1));
      await store.appendReport(report('R-2', 1, 'c1', T + 1), audit('report', 'R-2', 1));
      expect((await store.reportHistory('R-1'))[0]!.source).toBe('customer');
      expect((await store.latestReports('c1')).map((r) => [r.id, r.source])).toEqual([['R-1', 'customer'], ['R-2', 'noc']]);
    });

    it('lets one of two concurrent corrections of a report win; the other gets E.CONFLICT and writes nothing', async () => {
      const { store } = await ctx.open();
      await store.appendReport(report('R-1', 1, 'c1', T), audit('report', 'R-1', 1));
      const both = await Promise.allSettled([
        store.appendReport(report('R-1', 2, 'c1', T, { claimedStart: T - 60_000 }), audit('report', 'R-1', 2)),
        store.appendReport(report('R-1', 2, 'c1', T, { claimedStart: T - 120_000 }), audit('report', 'R-1', 2)),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toEqual(conflict);
      expect((await store.reportHistory('R-1')).map((r) => r.version)).toEqual([1, 2]);
      expect((await store.audit('report', 'R-1')).map((a) => a.version)).toEqual([1, 2]);
      // A second version 1 and a version past the next are refused alike.
      await expect(store.appendReport(report('R-1', 1, 'c1', T), audit('report', 'R-1', 1))).rejects.toThrow(conflict);
      await expect(store.appendReport(report('R-1', 4, 'c1', T), audit('report', 'R-1', 4))).rejects.toThrow(conflict);
      await expect(store.appendReport(report('R-9', 2, 'c1', T), audit('report', 'R-9', 2))).rejects.toThrow(conflict);
    });

    it('keeps exclusion versions: with a customer, its own and those of every customer; withdrawn ones too', async () => {
      const { store } = await ctx.open();
      await store.appendExclusion(exclusion('X-1', 1, 'c1', T + 3_600_000), audit('exclusion', 'X-1', 1));
      await store.appendExclusion(exclusion('X-2', 1, undefined, T), audit('exclusion', 'X-2', 1));
      await store.appendExclusion(exclusion('X-3', 1, 'c2', T), audit('exclusion', 'X-3', 1));
      await store.appendExclusion(exclusion('X-1', 2, 'c1', T + 3_600_000, { change: 'withdraw', withdrawn: true, reason: 'cancelled' }), audit('exclusion', 'X-1', 2));
      expect(await store.latestExclusions('c1')).toEqual([
        exclusion('X-2', 1, undefined, T),
        exclusion('X-1', 2, 'c1', T + 3_600_000, { change: 'withdraw', withdrawn: true, reason: 'cancelled' }),
      ]);
      expect((await store.latestExclusions()).map((x) => x.id)).toEqual(['X-2', 'X-3', 'X-1']);
      expect((await store.exclusionHistory('X-1')).map((x) => [x.version, x.withdrawn])).toEqual([[1, false], [2, true]]);
      const both = await Promise.allSettled([
        store.appendExclusion(exclusion('X-3', 2, 'c2', T + 60_000), audit('exclusion', 'X-3', 2)),
        store.appendExclusion(exclusion('X-3', 2, 'c2', T + 120_000), audit('exclusion', 'X-3', 2)),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((await store.exclusionHistory('X-3')).length).toBe(2);
    });

    ctx.reopenCase('keeps the ledger across a restart', async () => {
      const s = await ctx.open();
      await s.store.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
      await s.store.appendReport(report('R-1', 1, 'c1', T), audit('report', 'R-1', 1));
      await s.store.appendExclusion(exclusion('X-1', 1, undefined, T), audit('exclusion', 'X-1', 1));
      const again = await s.reopen!();
      expect(await again.customerVersions()).toEqual([customer('c1', 1, ['sw1/p1'])]);
      expect(await again.latestReports()).toEqual([report('R-1', 1, 'c1', T)]);
      expect(await again.latestExclusions()).toEqual([exclusion('X-1', 1, undefined, T)]);
      await expect(again.appendReport(report('R-1', 1, 'c1', T), audit('report', 'R-1', 1))).rejects.toThrow(conflict);
    });
  });
}
