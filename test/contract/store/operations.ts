/**
 * The contract timers' records: a report's written-report time kept on its
 * versions, and operations the customer authorised kept as append-only
 * versions with their audit rows (history, latest per operation by
 * authorisation time, per customer or all; anything but the next version
 * refused with E.CONFLICT, writing nothing), across a restart too.
 */
import { describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import type { OperationVersion } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';
import { audit, report } from './ledger.ts';

const T = Date.UTC(2026, 10, 5, 0, 0, 0);
const conflict = expect.objectContaining({ code: E.CONFLICT });

const operation = (id: string, version: number, customer: string, authorisedAt: number, more: Partial<OperationVersion> = {}): OperationVersion => ({
  id, version, change: version === 1 ? 'create' : 'correct', customer, authorisedAt, recordedAt: T + version, recordedBy: 'desk', ...more,
});

export function operationContract(ctx: ContractContext): void {
  describe('contract timer records', () => {
    it('keeps a report\'s written-report time on the version that records it, and not on the one before', async () => {
      const { store } = await ctx.open();
      await store.appendReport(report('R-1', 1, 'c1', T), audit('report', 'R-1', 1));
      await store.appendReport(report('R-1', 2, 'c1', T, { writtenReportAt: T + 3_600_000 }), audit('report', 'R-1', 2));
      expect((await store.reportHistory('R-1')).map((v) => v.writtenReportAt)).toEqual([undefined, T + 3_600_000]);
      expect((await store.latestReports())[0]!.writtenReportAt).toBe(T + 3_600_000);
    });

    it('keeps operation versions: the history, the latest per operation by authorisation, per customer or all, with audit rows', async () => {
      const { store } = await ctx.open();
      await store.appendOperation(operation('O-2', 1, 'c1', T + 2000), audit('operation', 'O-2', 1));
      await store.appendOperation(operation('O-1', 1, 'c1', T + 1000, { text: 'reboot sw1' }), audit('operation', 'O-1', 1));
      await store.appendOperation(operation('O-1', 2, 'c1', T + 1000, { text: 'reboot sw1', firstFeedbackAt: T + 60_000, reason: 'called' }),
        audit('operation', 'O-1', 2, { reason: 'called' }));
      await store.appendOperation(operation('O-3', 1, 'c2', T), audit('operation', 'O-3', 1));
      expect(await store.operationHistory('O-1')).toEqual([
        operation('O-1', 1, 'c1', T + 1000, { text: 'reboot sw1', firstFeedbackAt: undefined, reason: undefined }),
        operation('O-1', 2, 'c1', T + 1000, { text: 'reboot sw1', firstFeedbackAt: T + 60_000, reason: 'called' }),
      ]);
      expect((await store.latestOperations()).map((o) => [o.id, o.version])).toEqual([['O-3', 1], ['O-1', 2], ['O-2', 1]]);
      expect((await store.latestOperations('c1')).map((o) => o.id)).toEqual(['O-1', 'O-2']);
      expect((await store.audit('operation', 'O-1')).map((a) => [a.version, a.detail])).toEqual([[1, undefined], [2, { reason: 'called' }]]);
      expect(await store.operationHistory('O-9')).toEqual([]);
    });

    it('refuses an operation version that is not the next one, writing nothing', async () => {
      const { store } = await ctx.open();
      await store.appendOperation(operation('O-1', 1, 'c1', T), audit('operation', 'O-1', 1));
      await expect(store.appendOperation(operation('O-1', 1, 'c1', T), audit('operation', 'O-1', 1))).rejects.toThrow(conflict);
      await expect(store.appendOperation(operation('O-1', 3, 'c1', T), audit('operation', 'O-1', 3))).rejects.toThrow(conflict);
      expect((await store.operationHistory('O-1')).map((o) => o.version)).toEqual([1]);
      expect((await store.audit('operation', 'O-1')).map((a) => a.version)).toEqual([1]);
    });

    ctx.reopenCase('keeps operations and written-report times across a restart', async () => {
      const s = await ctx.open();
      await s.store.appendOperation(operation('O-1', 1, 'c1', T, { firstFeedbackAt: T + 1 }), audit('operation', 'O-1', 1));
      await s.store.appendReport(report('R-1', 1, 'c1', T, { writtenReportAt: T + 2 }), audit('report', 'R-1', 1));
      const again = await s.reopen!();
      expect((await again.operationHistory('O-1'))[0]!.firstFeedbackAt).toBe(T + 1);
      expect((await again.reportHistory('R-1'))[0]!.writtenReportAt).toBe(T + 2);
    });
  });
}
