/**
 * Two collectors on one PostgreSQL store: notices and statements are the
 * leader's duties. A notice confirmed through the other collector is stored
 * with its delivery there and sent by the leader, once; the other collector
 * lets a month end pass only after the leader handled it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../../collector/src/config.ts';
import { newDelivery } from '../../../../collector/src/delivery/machine.ts';
import { newWebhookSecret } from '../../../../collector/src/delivery/signature.ts';
import { StatementService } from '../../../../collector/src/issuing/statements.ts';
import { SlaLedger } from '../../../../collector/src/ledger/index.ts';
import { silentLogger } from '../../../../collector/src/log.ts';
import { NoticeService } from '../../../../collector/src/notify/service.ts';
import { monthContaining } from '../../../../collector/src/statements/schedule.ts';
import { openStore } from '../../../../collector/src/store/open.ts';
import type { Store } from '../../../../collector/src/store/types.ts';
import { audit, customer, report } from '../../../contract/store/ledger.ts';
import { usePostgresCluster } from '../../../support/postgres.ts';
import { eventually, sleep, until } from '../../../support/wait.ts';
import { WebhookReceiver } from '../../../support/webhook-receiver.ts';

const cluster = usePostgresCluster();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const f of cleanups.splice(0).reverse()) await f(); });

/** Two stores on one new database (two collectors), once one of them leads: [leader, other]. */
async function pair(name: string): Promise<[Store, Store]> {
  const url = await cluster().createDatabase(name);
  const a = await openStore(url);
  const b = await openStore(url);
  cleanups.push(async () => { await a.close(); await b.close(); });
  await until(() => a.isLeader() || b.isLeader(), 10_000);
  return a.isLeader() ? [a, b] : [b, a];
}

describe('notices and statements with two collectors on PostgreSQL', () => {
  it('sends a notice confirmed through the collector that does not lead from the leader, once', async () => {
    const [leader, other] = await pair('notice_leader');
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start({ secret });
    cleanups.push(() => receiver.stop());
    const config = buildConfig({
      customers: [{ id: 'c1', network: { ports: ['sw1/p1'] } }],
      notices: { checkIntervalSeconds: 0.1, retry: { firstDelaySeconds: 0.1, maxDelaySeconds: 0.3, maxAttempts: 5, maxAgeHours: 1 }, customers: [{ customer: 'c1', webhook: { url: receiver.url, secret } }] },
    }).notices!;
    const now = Date.now();
    await other.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1']), audit: audit('customer', 'c1', 1) }]);
    await other.appendReport(report('R-1', 1, 'c1', now - 60_000), audit('report', 'R-1', 1));
    await other.recordNotice({ id: 'N-R-1', report: 'R-1', customer: 'c1', draft: '{}', status: 'drafted', draftedAt: now, confirmedAt: null, confirmedBy: null, deliveredAt: null });
    const delivery = newDelivery({ id: 'D-N-R-1-webhook', channel: 'webhook', customer: 'c1', item: { kind: 'notice', id: 'N-R-1' }, target: receiver.url, createdAt: now });
    const stored = { delivery, content: JSON.stringify({ body: JSON.stringify({ type: 'dcprobe.restoration_notice', notice: { id: 'N-R-1' } }) }) };
    await other.confirmNotice('N-R-1', now, 'desk', [stored]);

    const start = async (store: Store) => {
      const s = await NoticeService.start({ store, sla: await SlaLedger.open(store), config, log: silentLogger, now: Date.now, settled: async () => {} });
      cleanups.push(() => s.close());
      return s;
    };
    const onOther = await start(other);
    onOther.run(stored); // as confirm() on that collector does
    expect(await onOther.scan()).toEqual([]);
    await sleep(1000); // several of its checks
    expect(receiver.requests).toEqual([]);

    await start(leader);
    await eventually(() => leader.notice('N-R-1'), (n) => n?.status === 'delivered', 10_000);
    expect(receiver.requests.map((r) => [r.id, r.check])).toEqual([['D-N-R-1-webhook', 'ok']]);
    expect((await other.reportHistory('R-1')).map((v) => v.change)).toEqual(['create', 'notice']);
  });

  it('freezes month ends on the leader; the other collector passes one only once the leader has', async () => {
    const [leader, other] = await pair('statement_leader');
    const config = buildConfig({ statements: { delaySeconds: 0 } }).statements!;
    const start = async (store: Store) => {
      const s = await StatementService.start({ store, sla: await SlaLedger.open(store), config, log: silentLogger, now: Date.now, settled: async () => {} });
      cleanups.push(() => s.close());
      return s;
    };
    const [onLeader, onOther] = [await start(leader), await start(other)];
    const m = monthContaining(Date.now() + 40 * 86_400_000, 'UTC'); // a month ahead: past any watermark set at start
    await expect(onOther.freezeMonth(m)).rejects.toThrow(/not yet handled by the leader/);
    expect(await other.statementWatermark()).toBeLessThan(m.end);
    await onLeader.freezeMonth(m);
    expect(await other.statementWatermark()).toBe(m.end);
    await onOther.freezeMonth(m);
  });
});
