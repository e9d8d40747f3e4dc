import { describe, expect, it } from 'vitest';
import { formatInstant } from '@dcprobe/shared';
import { coverageWindow, nextUnreportedDeadline, tenureStart } from '../../../collector/src/sla-window.ts';
import { tenures, type CustomerVersion } from '../../../collector/src/ledger/customers.ts';
import type { CustomerConfig } from '../../../collector/src/config.ts';
import type { ServiceResult } from '../../../collector/src/sla/types.ts';

const TZ = 'Asia/Shanghai';
const t = (s: string) => Date.parse(`2026-11-${s}+08:00`);
const MONTH = t('01T00:00:00');
const NOW = t('20T12:00:00');
const f = (ms: number | null) => (ms === null ? null : formatInstant(ms, TZ));

const NET: NonNullable<CustomerConfig['network']> = { ports: ['sw1/p1'], redundancy: 'any', uplinks: [] };
function version(n: number, validFrom: number, recordedAt: number, services: Partial<Pick<CustomerConfig, 'network' | 'power'>>): CustomerVersion {
  const spec = { id: 'c1', timezone: TZ, terms: { reportDeadlineDays: 5, graceMinutes: 10, unverified: 'count' }, ...services } as CustomerConfig;
  return { customer: 'c1', version: n, validFrom, spec, source: 'api', recordedAt, recordedBy: 'test' };
}
/** A service result with only what the window reads: its gaps (start null = unknown since ever). */
const result = (gaps: [number | null, number | null][], unreported: number[] = []) => ({
  gaps: gaps.map(([a, b]) => ({ start: f(a), end: f(b), seconds: 0 })),
  unreported: unreported.map((start) => ({ start: f(start), end: null, seconds: 0, reportableUntil: f(start + 5 * 86_400_000) })),
}) as unknown as ServiceResult;

describe('the coverage window', () => {
  const sinceEver = [version(1, 0, t('15T09:00:00'), { network: NET })];

  it.each([
    ['installed mid-month: judged from the first measurement, not the month start',
      sinceEver, [[null, t('15T09:00:10')]], { start: t('15T09:00:10'), unmeasuredMs: 0 }],
    ['a gap after the first measurement counts against it',
      sinceEver, [[null, t('15T09:00:10')], [t('18T00:00:00'), t('18T01:00:00')]], { start: t('15T09:00:10'), unmeasuredMs: 3_600_000 }],
    ['a gap still open counts up to now',
      sinceEver, [[t('20T11:00:00'), null]], { start: MONTH, unmeasuredMs: 3_600_000 }],
    ['measured since before the month: the month start',
      sinceEver, [], { start: MONTH, unmeasuredMs: 0 }],
    ['never measured: judged from when the customer was first recorded, all of it unmeasured',
      sinceEver, [[null, null]], { start: t('15T09:00:00'), unmeasuredMs: NOW - t('15T09:00:00') }],
    ['a customer added mid-month: from its tenure start, even with the port measured for months',
      [version(1, t('10T00:00:00'), t('10T00:00:00'), { network: NET })], [[null, t('10T00:00:00')]], { start: t('10T00:00:00'), unmeasuredMs: 0 }],
    ['a new version with the same service does not restart the window',
      [version(1, 0, t('01T00:00:00'), { network: NET }), version(2, t('12T00:00:00'), t('12T00:00:00'), { network: { ...NET, ports: ['sw1/p2'] } })],
      [], { start: MONTH, unmeasuredMs: 0 }],
    ['the service added by a later version: from that version',
      [version(1, 0, t('01T00:00:00'), { power: { feeds: ['ups1/output'] } }), version(2, t('12T00:00:00'), t('12T00:00:00'), { network: NET })],
      [[null, t('12T00:00:00')]], { start: t('12T00:00:00'), unmeasuredMs: 0 }],
    ['ended on the 5th, back on the 9th: from the 9th, not counting the days it had no service',
      [version(1, 0, t('01T00:00:00'), { network: NET }), version(2, t('05T00:00:00'), t('05T00:00:00'), {}), version(3, t('09T00:00:00'), t('09T00:00:00'), { network: NET })],
      [[t('05T00:00:00'), t('09T00:00:00')]], { start: t('09T00:00:00'), unmeasuredMs: 0 }],
  ] as [string, CustomerVersion[], [number | null, number | null][], unknown][])('%s', (_name, history, gaps, want) => {
    expect(coverageWindow(result(gaps), 'network', history, tenures(history), MONTH, NOW)).toEqual(want);
  });

  it('is absent for a customer that no longer has the service, and before the month starts', () => {
    const ended = [version(1, 0, t('01T00:00:00'), { network: NET }), version(2, t('12T00:00:00'), t('12T00:00:00'), {})];
    expect(coverageWindow(result([]), 'network', ended, tenures(ended), MONTH, NOW)).toBeNull();
    expect(coverageWindow(result([]), 'network', sinceEver, tenures(sinceEver), MONTH, MONTH)).toBeNull();
  });

  it('tenureStart follows the run in force at asOf, not a later or earlier one', () => {
    const h = [version(1, 0, 0, { network: NET }), version(2, t('05T00:00:00'), 0, {}), version(3, t('09T00:00:00'), 0, { network: NET })];
    expect(tenureStart(tenures(h), 'network', t('04T00:00:00'))).toBe(0);
    expect(tenureStart(tenures(h), 'network', t('06T00:00:00'))).toBeNull();
    expect(tenureStart(tenures(h), 'network', NOW)).toBe(t('09T00:00:00'));
    expect(tenureStart(tenures(h), 'power', NOW)).toBeNull();
  });
});

describe('the next unreported deadline', () => {
  it('is the earliest deadline still ahead among unreported outages', () => {
    // deadlines: 13th, 16th 10:00 and 18th 10:00; the 13th has passed at NOW (the 20th, 12:00)
    const r = result([], [t('08T00:00:00'), t('13T10:00:00'), t('11T10:00:00')]);
    expect(nextUnreportedDeadline(r, t('14T00:00:00'))).toBe(t('16T10:00:00'));
    expect(nextUnreportedDeadline(r, t('17T00:00:00'))).toBe(t('18T10:00:00'));
    expect(nextUnreportedDeadline(r, NOW)).toBeNull();
    expect(nextUnreportedDeadline(result([]), NOW)).toBeNull();
  });
});
