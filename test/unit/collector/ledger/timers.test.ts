/**
 * The API's ticket timers (for reports listed outside any month) agree with the
 * ones `reconcile` puts in the month's result, for met, missed and running timers.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { defaultTerms, type Report } from '../../../../collector/src/sla/types.ts';
import { ticketTimers } from '../../../../collector/src/ledger/timers.ts';

const t = (s: string) => Date.parse(s);
const TZ = 'Asia/Shanghai';

describe('ticket timers', () => {
  const reports: Report[] = [
    { id: 'met', customer: 'c', service: 'network', reportedAt: t('2026-11-03T10:00:00+08:00'), firstResponseAt: t('2026-11-03T11:00:00+08:00'), noticeAt: t('2026-11-04T10:00:00+08:00') },
    { id: 'late-response', customer: 'c', service: 'network', reportedAt: t('2026-11-03T10:00:00+08:00'), firstResponseAt: t('2026-11-03T12:00:01+08:00') },
    { id: 'running', customer: 'c', service: 'network', reportedAt: t('2026-11-19T11:00:00+08:00') },
    { id: 'open-too-long', customer: 'c', service: 'network', reportedAt: t('2026-11-01T09:00:00+08:00') },
    { id: 'notice-after-asof', customer: 'c', service: 'network', reportedAt: t('2026-11-19T12:00:00+08:00'), noticeAt: t('2026-11-21T00:00:00+08:00') },
  ];
  const asOf = t('2026-11-19T12:30:00+08:00');
  const result = reconcile({
    month: '2026-11', asOf, observations: [], exclusions: [], reports,
    customers: [{ id: 'c', timezone: TZ, network: { ports: ['sw/p'], redundancy: 'any', uplinks: [] }, terms: defaultTerms() }],
  });
  const core = new Map(result.customers[0]!.services.network!.reports.map((r) => [r.id, r.timers]));

  it.each(reports.map((r) => [r.id, r] as const))('%s', (id, r) => {
    const mine = ticketTimers(r, asOf, TZ);
    const strip = ({ missed: _m, ...rest }: { missed: boolean; due: string; at: string | null; met: boolean | null }) => rest;
    expect({ firstResponse: strip(mine.firstResponse), resolution: strip(mine.resolution) }).toEqual(core.get(id));
    expect(mine.firstResponse.missed).toBe(mine.firstResponse.met === false);
  });

  it('flags what the promise says', () => {
    const f = (id: string) => ticketTimers(reports.find((r) => r.id === id)!, asOf, TZ);
    expect([f('met').firstResponse.missed, f('met').resolution.missed]).toEqual([false, false]);
    expect(f('late-response').firstResponse.missed).toBe(true);
    expect([f('running').firstResponse.met, f('running').resolution.met]).toEqual([null, null]);
    expect(f('open-too-long').resolution.missed).toBe(true);
  });
});
