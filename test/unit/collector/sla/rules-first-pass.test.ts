/**
 * docs/sla-rules.md §3, first pass (measured outages), edges the shared examples do not
 * reach. Figures are worked out by hand from the rules; the arithmetic is in the
 * comments. Month 2026-11 in Asia/Shanghai (2,592,000 s, allowed 2,592 s), grace
 * 10 min, deadline 5 days, port and uplinks up since 31 Oct unless said otherwise.
 */
import { describe, it } from 'vitest';
import { check, obs, only, report, t, table, withObs, type Case } from './cases.ts';

const P = 'sw1/p1';

const cases: Record<string, Case> = {
  'outage ending exactly at reportedAt is still under way (o.end >= r)': {
    // down 10:00-10:50; r = 10:50: 10:00 <= 11:00 (r + grace) and 10:50 >= 10:50 -> rule 1, [10:50, 11:00] = 600 s.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:50')], {
      reports: [report('T-1', '11-03T10:50', '11-03T11:00')],
    }),
    expected: only('network', {
      countableSeconds: 600, measuredSeconds: 3000, claimedSeconds: 600, disputedSeconds: 0,
      // the claim [10:50, 11:00] only touches the outage: 0 measured inside it.
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 600, excludedSeconds: 0, claimedSeconds: 600, measuredSeconds: 0, open: false }],
      unreported: [],
    }),
  },
  'a claim that only touches the outage after widening by grace does not overlap it': {
    // down 10:00-10:20 on 3 Nov; reported next day with claim 10:30-11:00, widened [10:20, 11:10]:
    // touches the outage at 10:20, no overlap -> C empty. Second pass: no gap or outage overlaps
    // the widened claim -> not_confirmed. Claimed 1800 s, all disputed; the outage is unreported.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-04T09:00', '11-04T09:10', { claimedStart: t('11-03T10:30'), claimedEnd: t('11-03T11:00') })],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1200, claimedSeconds: 1800, disputedSeconds: 1800,
      reports: [{ id: 'T-1', verdict: 'not_confirmed', basis: null, countableSeconds: 0, claimedSeconds: 1800, measuredSeconds: 0 }],
      unreported: [{ start: t('11-03T10:00'), end: t('11-03T10:20'), seconds: 1200, reportableUntil: t('11-08T10:00') }],
    }),
  },
  'a claim one minute closer overlaps within grace: after the fact, measured span': {
    // claim 10:29-11:00, widened [10:19, 11:10] overlaps 10:00-10:20 (10:20 > 10:19); started within
    // 5 days of r -> countable 10:00-10:20 = 1200 s. Claimed 1860 s; disputed = claim minus countable = 1860.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-04T09:00', '11-04T09:10', { claimedStart: t('11-03T10:29'), claimedEnd: t('11-03T11:00') })],
    }),
    expected: only('network', {
      countableSeconds: 1200, measuredSeconds: 1200, claimedSeconds: 1860, disputedSeconds: 1860,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'measured', countableSeconds: 1200, claimedSeconds: 1860, measuredSeconds: 0 }],
      unreported: [],
    }),
  },
  'reported exactly grace before the port went down: confirmed': {
    // down 10:00-10:30, r = 09:50: 10:00 <= 09:50 + 10 min -> [09:50, 10:40] = 3000 s; 1800 s measured inside.
    scenario: withObs([obs(P, 'down', '11-05T10:00'), obs(P, 'up', '11-05T10:30')], {
      reports: [report('T-1', '11-05T09:50', '11-05T10:40')],
    }),
    expected: only('network', {
      countableSeconds: 3000, measuredSeconds: 1800, claimedSeconds: 3000, disputedSeconds: 0, breached: true, feeWaived: true,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 3000, claimedSeconds: 3000, measuredSeconds: 1800 }],
      unreported: [],
    }),
  },
  'reported one second more than grace before it: not confirmed': {
    // r = 09:49:59: r + grace = 09:59:59 < 10:00. No claimed window, nothing ended before r,
    // no gap at r -> not_confirmed. Claimed [09:49:59, 10:40] = 3001 s, all disputed.
    scenario: withObs([obs(P, 'down', '11-05T10:00'), obs(P, 'up', '11-05T10:30')], {
      reports: [report('T-1', '11-05T09:49:59', '11-05T10:40')],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1800, claimedSeconds: 3001, disputedSeconds: 3001, breached: false,
      reports: [{ id: 'T-1', verdict: 'not_confirmed', basis: null, countableSeconds: 0, claimedSeconds: 3001, measuredSeconds: 1800 }],
      unreported: [{ start: t('11-05T10:00'), end: t('11-05T10:30'), seconds: 1800, reportableUntil: t('11-10T10:00') }],
    }),
  },
  'claimed window: outage started exactly 5 days before the report still counts': {
    // r = 8 Nov 10:00, outage 3 Nov 10:00-10:20: start >= r - 5 d (equal) -> measured 1200 s.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-08T10:00', '11-08T10:05', { claimedStart: t('11-03T10:00'), claimedEnd: t('11-03T10:20') })],
    }),
    expected: only('network', {
      countableSeconds: 1200, measuredSeconds: 1200, claimedSeconds: 1200, disputedSeconds: 0,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'measured', countableSeconds: 1200, claimedSeconds: 1200, measuredSeconds: 1200 }],
      unreported: [],
    }),
  },
  'claimed window: one second later it is late': {
    // r = 8 Nov 10:00:01: the outage started 5 d + 1 s before -> late, 0; still matched (in C).
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-08T10:00:01', '11-08T10:05', { claimedStart: t('11-03T10:00'), claimedEnd: t('11-03T10:20') })],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1200, claimedSeconds: 1200, disputedSeconds: 1200,
      reports: [{ id: 'T-1', verdict: 'late', basis: null, countableSeconds: 0, claimedSeconds: 1200, measuredSeconds: 1200 }],
      unreported: [],
    }),
  },
  'no claimed window: ended exactly 5 days before r is a candidate, started earlier -> late': {
    // r = 8 Nov 10:20, outage ended 3 Nov 10:20 (= r - 5 d) -> in C; it started 10:00 < r - 5 d -> late.
    // Claimed = [r, n] = 600 s, all disputed, no outage inside it.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-08T10:20', '11-08T10:30')],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1200, claimedSeconds: 600, disputedSeconds: 600,
      reports: [{ id: 'T-1', verdict: 'late', basis: null, countableSeconds: 0, claimedSeconds: 600, measuredSeconds: 0 }],
      unreported: [],
    }),
  },
  'no claimed window: ended more than 5 days before r is no candidate': {
    // r = 8 Nov 10:20:01: the outage ended 5 d + 1 s before -> C empty -> not_confirmed, and unreported.
    // Claimed [10:20:01, 10:30] = 599 s.
    scenario: withObs([obs(P, 'down', '11-03T10:00'), obs(P, 'up', '11-03T10:20')], {
      reports: [report('T-1', '11-08T10:20:01', '11-08T10:30')],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1200, claimedSeconds: 599, disputedSeconds: 599,
      reports: [{ id: 'T-1', verdict: 'not_confirmed', basis: null, countableSeconds: 0, claimedSeconds: 599 }],
      unreported: [{ start: t('11-03T10:00'), end: t('11-03T10:20'), seconds: 1200, reportableUntil: t('11-08T10:00') }],
    }),
  },
  'an old and a fresh outage in C: only the fresh one counts, both are matched': {
    // r = 20 Nov 12:00, r - 5 d = 15 Nov 12:00. A: 14 Nov 11:00 - 16 Nov 12:00 (ended after r - 5 d, started
    // before: in C, not countable); B: 18 Nov 10:00-10:30 (countable 1800 s). Measured A + B =
    // 2 d 1 h (176,400 s) + 1800 = 178,200 s. Claimed [12:00, 12:10] = 600 s, outside the countable span -> disputed 600.
    scenario: withObs([
      obs(P, 'down', '11-14T11:00'), obs(P, 'up', '11-16T12:00'), obs(P, 'down', '11-18T10:00'), obs(P, 'up', '11-18T10:30'),
    ], { reports: [report('T-1', '11-20T12:00', '11-20T12:10')] }),
    expected: only('network', {
      countableSeconds: 1800, measuredSeconds: 178_200, claimedSeconds: 600, disputedSeconds: 600, breached: false,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'measured', countableSeconds: 1800, claimedSeconds: 600, measuredSeconds: 0 }],
      unreported: [],
    }),
  },
  'a repeated state is no change: one outage, not two': {
    // down 10:00, down again 10:20, up 10:30 -> one outage 10:00-10:30, unreported.
    scenario: withObs([obs(P, 'down', '11-15T10:00'), obs(P, 'down', '11-15T10:20'), obs(P, 'up', '11-15T10:30')]),
    expected: only('network', {
      measuredSeconds: 1800, reports: [],
      unreported: [{ start: t('11-15T10:00'), end: t('11-15T10:30'), seconds: 1800, reportableUntil: t('11-20T10:00') }],
    }),
  },
  'an exclusion covering the whole countable window leaves 0 but the verdict stands': {
    // [10:05, 10:35] minus maintenance 10:00-11:00 -> 0 countable, 1800 excluded; the claim is all disputed.
    scenario: withObs([obs(P, 'down', '11-06T10:00'), obs(P, 'up', '11-06T10:30')], {
      reports: [report('T-1', '11-06T10:05', '11-06T10:35')],
      exclusions: [{ id: 'X-1', customer: 'cust-a', service: 'network', start: t('11-06T10:00'), end: t('11-06T11:00'), category: 'maintenance', ref: 'CHG-1' }],
    }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1800, claimedSeconds: 1800, disputedSeconds: 1800, excludedSeconds: 1800,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 0, excludedSeconds: 1800, claimedSeconds: 1800, measuredSeconds: 1500, exclusions: ['X-1'] }],
      unreported: [],
    }),
  },
};

describe('first pass: measured outages (docs/sla-rules.md §3 rules 1-3)', () => {
  it.each(table(cases))('%s', (_name, c) => check(c));
});
