/**
 * Notices and their deliveries: one notice per report, deliveries stored with
 * what they send and every attempt, the open ones listed for recovery, and a
 * notice's first receipt appending the report's notice version (noticeAt = the
 * receipt) in the same transaction; a second receipt appends nothing.
 */
import { describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { begin, newDelivery, settle } from '../../../collector/src/delivery/machine.ts';
import type { Delivery } from '../../../collector/src/delivery/types.ts';
import type { NoticeRecord, Store } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';
import { audit, report } from './ledger.ts';

const T = Date.UTC(2026, 10, 5, 0, 0, 0);
const POLICY = { firstDelayMs: 1000, maxDelayMs: 10_000, maxAttempts: 2, maxAgeMs: 86_400_000 };

const notice = (id: string, reportId: string): NoticeRecord => ({
  id, report: reportId, customer: 'c1', draft: '{"report":"R1"}', status: 'drafted', draftedAt: T + 10, confirmedAt: null, confirmedBy: null, deliveredAt: null,
});
const delivery = (channel: 'webhook' | 'email'): Delivery =>
  newDelivery({ id: `D-N1-${channel}`, channel, customer: 'c1', item: { kind: 'notice', id: 'N1' }, target: channel === 'webhook' ? 'http://127.0.0.1/x' : 'noc@example.net', createdAt: T + 20 });

async function confirmed(store: Store): Promise<void> {
  await store.appendReport(report('R1', 1, 'c1', T), audit('report', 'R1', 1));
  expect(await store.recordNotice(notice('N1', 'R1'))).toBe(true);
  await store.confirmNotice('N1', T + 20, 'desk', [{ delivery: delivery('webhook'), content: '{"a":1}' }, { delivery: delivery('email'), content: '{"b":2}' }]);
}

export function deliveryContract(ctx: ContractContext): void {
  describe('notices and deliveries', () => {
    it('keeps one notice per report and confirms a draft once', async () => {
      const { store } = await ctx.open();
      await confirmed(store);
      expect(await store.recordNotice(notice('N2', 'R1'))).toBe(false);
      expect((await store.notices('c1')).map((n) => [n.id, n.status, n.confirmedBy])).toEqual([['N1', 'confirmed', 'desk']]);
      await expect(store.confirmNotice('N1', T + 30, 'desk', [])).rejects.toMatchObject({ code: E.CONFLICT });
      expect((await store.deliveries()).map((d) => [d.delivery.id, d.content])).toEqual([['D-N1-email', '{"b":2}'], ['D-N1-webhook', '{"a":1}']]);
    });

    it('appends the notice version at the first receipt, with the attempts in its audit row, and only once', async () => {
      const { store } = await ctx.open();
      await confirmed(store);
      const failed = settle(begin(delivery('webhook'), T + 30), { kind: 'failure', failure: 'refused', detail: 'ECONNREFUSED', permanent: false }, T + 31, POLICY, 0);
      await store.saveDelivery(failed);
      const got = settle(begin(failed, T + 2000), { kind: 'receipt', at: T + 2001, response: 'HTTP 200' }, T + 2001, POLICY, 0);
      await store.deliverNotice(got, 'collector');
      const mail = settle(begin(delivery('email'), T + 3000), { kind: 'receipt', at: T + 3001, response: '250 ok' }, T + 3001, POLICY, 0);
      await store.deliverNotice(mail, 'collector');

      const history = await store.reportHistory('R1');
      expect(history.map((v) => [v.version, v.change, v.noticeAt])).toEqual([[1, 'create', undefined], [2, 'notice', T + 2001]]);
      const trail = await store.audit('report', 'R1');
      expect(trail.at(-1)).toMatchObject({ action: 'notice', version: 2, detail: { delivery: 'D-N1-webhook', attempts: got.attempts } });
      expect(await store.notice('N1')).toMatchObject({ status: 'delivered', deliveredAt: T + 2001 });
      expect(await store.deliveries()).toEqual([]);
      expect((await store.deliveries({ kind: 'notice', id: 'N1' })).map((d) => d.delivery)).toEqual([mail, got]);
    });

    ctx.reopenCase('finds an attempt left open by a stopped collector after reopening', async () => {
      const s = await ctx.open();
      await confirmed(s.store);
      const sending = begin(delivery('webhook'), T + 30);
      await s.store.saveDelivery(sending);
      const again = await s.reopen!();
      const open = (await again.deliveries()).find((d) => d.delivery.id === 'D-N1-webhook');
      expect(open?.delivery).toEqual(sending);
    });

    it('marks the notice failed only when every channel failed', async () => {
      const { store } = await ctx.open();
      await confirmed(store);
      const dead = (c: 'webhook' | 'email') => settle(begin(delivery(c), T + 30), { kind: 'failure', failure: 'http_status', detail: 'HTTP 410', permanent: true }, T + 31, POLICY, 0);
      await store.saveDelivery(dead('webhook'));
      expect((await store.notice('N1'))?.status).toBe('confirmed');
      await store.saveDelivery(dead('email'));
      expect((await store.notice('N1'))?.status).toBe('failed');
    });

    it('keeps a frozen statement with its files once, refuses the same revision again, and keeps the schedule watermark', async () => {
      const { store } = await ctx.open();
      const st = (revision: number, text: string) => ({
        id: `ST-c1-2026-10-r${revision}`, customer: 'c1', month: '2026-10', revision, issuedAt: T + revision, reason: revision ? 'late report' : null,
        files: [{ name: `ST-c1-2026-10-r${revision}.csv`, mediaType: 'text/csv', sha256: 'ab'.repeat(32), content: Buffer.from(text) }],
      });
      await store.recordStatement(st(0, 'a,b\r\n'));
      await expect(store.recordStatement(st(0, 'changed'))).rejects.toMatchObject({ code: E.CONFLICT });
      await store.recordStatement(st(1, 'a,c\r\n'));
      expect(await store.statements('c1', '2026-10')).toEqual([st(0, 'a,b\r\n'), st(1, 'a,c\r\n')]);
      expect(await store.statements('c1', '2026-09')).toEqual([]);
      expect(await store.statementWatermark()).toBeNull();
      await store.setStatementWatermark(T);
      await store.setStatementWatermark(T - 1); // never moves back
      expect(await store.statementWatermark()).toBe(T);
    });
  });
}
