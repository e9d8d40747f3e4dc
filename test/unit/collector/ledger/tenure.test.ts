/**
 * Customer versions, the tenure rule and config sync. A port moved from one
 * customer to another mid-month counts for each in its own time.
 */
import { describe, expect, it } from 'vitest';
import { customerSchema } from '../../../../collector/src/config.ts';
import { openStore } from '../../../../collector/src/store/open.ts';
import { SlaLedger } from '../../../../collector/src/ledger/index.ts';
import { maskObservations, piecesFor } from '../../../../collector/src/ledger/tenure.ts';
import { tenures, type CustomerVersion } from '../../../../collector/src/ledger/customers.ts';

const t = (s: string) => Date.parse(s);
const cust = (id: string, ports: string[], redundancy: 'any' | 'all' = 'any') => customerSchema.parse({ id, network: { ports, redundancy } });
const ver = (version: number, validFrom: number, ports: string[]): CustomerVersion =>
  ({ customer: 'a', version, validFrom, spec: cust('a', ports), source: 'api', recordedAt: 0, recordedBy: 'x' });

describe('tenures', () => {
  it('a later version replaces everything from its validFrom on, even backdated', () => {
    const segs = tenures([ver(1, 0, ['sw/p']), ver(2, 100, ['sw/q']), ver(3, 50, ['sw/r'])]);
    expect(segs.map((s) => [s.start, s.end, s.version.version])).toEqual([[0, 50, 1], [50, Infinity, 3]]);
  });

  it('outside its tenure a port is the neutral state of its group, before any version unknown', () => {
    const segs = tenures([ver(1, 100, ['sw/p']), ver(2, 200, ['sw/q'])]);
    expect(piecesFor('sw/p', 'port', segs, 'any')).toEqual([
      { start: -Infinity, end: 100, fixed: 'unknown' }, { start: 100, end: 200 }, { start: 200, end: Infinity, fixed: 'down' },
    ]);
    expect(piecesFor('sw/p', 'port', segs, 'all').at(-1)).toEqual({ start: 200, end: Infinity, fixed: 'up' });
  });

  it('re-stamps the state in force at a tenure start and drops changes outside it', () => {
    const pieces = [{ start: -Infinity, end: 100, fixed: 'down' as const }, { start: 100, end: 200 }, { start: 200, end: Infinity, fixed: 'down' as const }];
    const real = [{ subject: 'p', state: 'up' as const, at: 10 }, { subject: 'p', state: 'down' as const, at: 50 }, { subject: 'p', state: 'up' as const, at: 150 }, { subject: 'p', state: 'down' as const, at: 250 }];
    expect(maskObservations('p', pieces, real, 0, 1000).map((o) => [o.state, o.at])).toEqual([['down', 0], ['up', 150], ['down', 200]]);
  });
});

describe('port reassigned mid-month', () => {
  it('gives each customer the outages of the port while it had it', async () => {
    const store = await openStore(':memory:');
    const ledger = await SlaLedger.open(store);
    const move = t('2026-11-15T00:00:00+08:00');
    await ledger.customers.put(cust('a', ['sw1/p1']), 0, 'api', 'noc', 0);
    await ledger.customers.put(cust('a', ['sw1/p9']), move, 'api', 'noc', 0);
    await ledger.customers.put(cust('b', ['sw1/p1']), move, 'api', 'noc', 0);
    const ev = (subject: string, state: 'up' | 'down', at: string) => store.importObservations([{ subject, kind: 'port', state, at: t(at), via: 'poll', agentId: null, seq: null }], 0);
    await ev('sw1/p1', 'up', '2026-10-01T00:00:00+08:00');
    await ev('sw1/p9', 'up', '2026-10-01T00:00:00+08:00');
    await ev('sw1/p1', 'down', '2026-11-10T10:00:00+08:00'); // a's outage: 20 min
    await ev('sw1/p1', 'up', '2026-11-10T10:20:00+08:00');
    await ev('sw1/p1', 'down', '2026-11-20T10:00:00+08:00'); // b's outage: 60 min
    await ev('sw1/p1', 'up', '2026-11-20T11:00:00+08:00');
    const asOf = t('2026-12-05T00:00:00+08:00');
    const a = (await ledger.live.result('a', '2026-11', asOf)).customers[0]!.services.network!;
    const b = (await ledger.live.result('b', '2026-11', asOf)).customers[0]!.services.network!;
    expect([a.measuredSeconds, a.unreported.map((u) => u.start)]).toEqual([1200, ['2026-11-10T10:00:00+08:00']]);
    expect(a.coverage).toBe(1); // p9 takes over seamlessly: no gap at the move
    expect([b.measuredSeconds, b.unreported.map((u) => u.start)]).toEqual([3600, ['2026-11-20T10:00:00+08:00']]);
    // b had no version before the move: its service is unknown then, not up
    expect(b.coverage).toBeCloseTo(16 / 30, 6);
  });
});

describe('config sync', () => {
  it('first sync is valid since ever, a change is a new version from now, an API change survives a restart', async () => {
    const store = await openStore(':memory:');
    let ledger = await SlaLedger.open(store);
    expect(await ledger.syncConfig([cust('a', ['sw1/p1'])], 1000)).toEqual(['a']);
    expect(ledger.customers.history('a').map((v) => [v.version, v.validFrom, v.source])).toEqual([[1, 0, 'config']]);
    ledger = await SlaLedger.open(store);
    expect(await ledger.syncConfig([cust('a', ['sw1/p1'])], 2000)).toEqual([]);
    await ledger.customers.put(cust('a', ['sw1/p2']), 2500, 'api', 'noc-admin', 2500);
    ledger = await SlaLedger.open(store);
    expect(await ledger.syncConfig([cust('a', ['sw1/p1'])], 3000)).toEqual([]);
    expect(await ledger.syncConfig([cust('a', ['sw1/p3'])], 4000)).toEqual(['a']);
    expect(ledger.customers.history('a').map((v) => [v.version, v.validFrom, v.source, v.recordedBy]))
      .toEqual([[1, 0, 'config', 'config'], [2, 2500, 'api', 'noc-admin'], [3, 4000, 'config', 'config']]);
    expect((await ledger.audit.of('customer', 'a')).map((r) => [r.actor, r.action, r.version])).toEqual([['config', 'create', 1], ['noc-admin', 'new_version', 2], ['config', 'new_version', 3]]);
  });
});
