/**
 * docs/sla-rules.md §2 (three-valued service state) and §3 second pass (down or unknown),
 * worked out by hand. Month 2026-11 in Asia/Shanghai (2,592,000 s), grace 10 min,
 * deadline 5 days; subjects known since 31 Oct unless said otherwise.
 */
import { describe, it } from 'vitest';
import { allUp, check, obs, only, report, scenario, t, table, withObs, type Case } from './cases.ts';

const P = 'sw1/p1';
const claim = (from: string, to: string): Record<string, string> => ({ claimedStart: t(from), claimedEnd: t(to) });

const secondPass: Record<string, Case> = {
  'gap reported next day with a claimed window: unverified, measured, clipped to the claim': {
    // unknown 5 Nov 02:00-03:00; claim 02:30-03:30 widened [02:20, 03:40] overlaps the gap, started
    // within 5 days -> countable = gap clipped to the claim = 02:30-03:00 = 1800 s. Claimed 3600, disputed 1800.
    // coverage = 1 - 3600 / 2,592,000.
    scenario: withObs([obs(P, 'unknown', '11-05T02:00'), obs(P, 'up', '11-05T03:00')], {
      reports: [report('T-1', '11-06T09:00', '11-06T09:10', claim('11-05T02:30', '11-05T03:30'))],
    }),
    expected: only('network', {
      countableSeconds: 1800, measuredSeconds: 0, claimedSeconds: 3600, disputedSeconds: 1800, coverage: 0.9986111111,
      reports: [{ id: 'T-1', verdict: 'unverified', basis: 'measured', countableSeconds: 1800, claimedSeconds: 3600, measuredSeconds: 0, pass: 2 }],
      unreported: [],
    }),
  },
  'the same gap without a claimed window: not confirmed (a gap proves no outage)': {
    scenario: withObs([obs(P, 'unknown', '11-05T02:00'), obs(P, 'up', '11-05T03:00')], {
      reports: [report('T-1', '11-06T09:00', '11-06T09:10')],
    }),
    expected: only('network', {
      countableSeconds: 0, claimedSeconds: 600, disputedSeconds: 600, coverage: 0.9986111111,
      reports: [{ id: 'T-1', verdict: 'not_confirmed', basis: null, countableSeconds: 0, pass: null }],
    }),
  },
  'a claimed gap more than 5 days old: late': {
    // unknown 1 Nov 02:00-03:00, r = 7 Nov 09:00, r - 5 d = 2 Nov 09:00 > 02:00 -> late, 0.
    scenario: withObs([obs(P, 'unknown', '11-01T02:00'), obs(P, 'up', '11-01T03:00')], {
      reports: [report('T-1', '11-07T09:00', '11-07T09:10', claim('11-01T02:00', '11-01T03:00'))],
    }),
    expected: only('network', {
      countableSeconds: 0, claimedSeconds: 3600, disputedSeconds: 3600,
      reports: [{ id: 'T-1', verdict: 'late', basis: null, countableSeconds: 0, claimedSeconds: 3600, pass: 2 }],
    }),
  },
  'a gap under way when reported counts [r, n], not clipped to the claim': {
    // unknown 10:00-11:00, r = 10:30 -> rule 1 in the second pass: [10:30, 11:30] = 3600 s (contract),
    // although the claim is only 10:40-10:50 (600 s, inside the countable window: disputed 0).
    scenario: withObs([obs(P, 'unknown', '11-08T10:00'), obs(P, 'up', '11-08T11:00')], {
      reports: [report('T-1', '11-08T10:30', '11-08T11:30', claim('11-08T10:40', '11-08T10:50'))],
    }),
    expected: only('network', {
      countableSeconds: 3600, claimedSeconds: 600, disputedSeconds: 0, breached: true,
      reports: [{ id: 'T-1', verdict: 'unverified', basis: 'contract', countableSeconds: 3600, claimedSeconds: 600 }],
    }),
  },
  'policy exclude: the gap report of example 09 is not confirmed': {
    // no second pass: 0 countable, the 1800 s claim disputed; coverage 1 - 7200 / 2,592,000.
    scenario: withObs([obs(P, 'unknown', '11-22T00:00'), obs(P, 'up', '11-22T02:00')], {
      customers: [{ id: 'cust-a', network: { ports: [P], uplinks: ['sw1/u1', 'sw1/u2'] }, terms: { unverified: 'exclude' } }],
      reports: [report('T-9', '11-22T00:30', '11-22T01:00')],
    }),
    expected: only('network', {
      countableSeconds: 0, claimedSeconds: 1800, disputedSeconds: 1800, coverage: 0.9972222222,
      reports: [{ id: 'T-9', verdict: 'not_confirmed', basis: null, countableSeconds: 0 }],
    }),
  },
  'a first-pass late ends the evaluation even where a gap covers r': {
    // down 1 Nov 02:00-02:20 claimed and reported 7 Nov 09:00 -> late. The gap 6 Nov 12:00 - 7 Nov 12:00
    // would match rule 1 in a second pass, but there is none. coverage = 1 - 86,400 / 2,592,000.
    scenario: withObs([
      obs(P, 'down', '11-01T02:00'), obs(P, 'up', '11-01T02:20'), obs(P, 'unknown', '11-06T12:00'), obs(P, 'up', '11-07T12:00'),
    ], { reports: [report('T-1', '11-07T09:00', '11-07T09:10', claim('11-01T02:00', '11-01T02:20'))] }),
    expected: only('network', {
      countableSeconds: 0, measuredSeconds: 1200, claimedSeconds: 1200, disputedSeconds: 1200, coverage: 0.9666666667,
      reports: [{ id: 'T-1', verdict: 'late', basis: null, countableSeconds: 0, measuredSeconds: 1200, pass: 1 }],
      unreported: [],
    }),
  },
};

const twoPorts = (redundancy: 'any' | 'all'): Record<string, unknown> => ({
  customers: [{ id: 'cust-a', network: { ports: ['sw1/p1', 'sw1/p2'], redundancy } }],
  observations: [
    obs('sw1/p1', 'up', '10-31T00:00'), obs('sw1/p2', 'up', '10-31T00:00'),
    obs('sw1/p2', 'unknown', '11-10T10:00'), obs('sw1/p2', 'up', '11-10T11:00'),
    obs('sw1/p1', 'down', '11-10T10:20'), obs('sw1/p1', 'up', '11-10T10:40'),
  ],
  reports: [report('T-1', '11-10T10:25', '11-10T10:45')],
});

const logic: Record<string, Case> = {
  'all: a port down while the other is unknown is an outage (AND(false, unknown) = false)': {
    // 10:00-10:20 AND(T,U)=U; 10:20-10:40 AND(F,U)=F; 10:40-11:00 AND(T,U)=U. Outage 1200 s, gaps 2400 s.
    // r = 10:25 under way -> [10:25, 10:45] = 1200 s; measured inside the claim 10:25-10:40 = 900 s.
    scenario: scenario(twoPorts('all')),
    expected: only('network', {
      countableSeconds: 1200, measuredSeconds: 1200, claimedSeconds: 1200, disputedSeconds: 0, coverage: 0.9990740741,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 1200, measuredSeconds: 900 }],
      unreported: [],
    }),
  },
  'any: the same is unknown (OR(false, unknown) = unknown), so the report is unverified': {
    // 10:00-10:20 OR(T,U)=T; 10:20-10:40 OR(F,U)=U; then T. Gap 1200 s; r = 10:25 inside it -> [10:25, 10:45].
    scenario: scenario(twoPorts('any')),
    expected: only('network', {
      countableSeconds: 1200, measuredSeconds: 0, coverage: 0.9995370370,
      reports: [{ id: 'T-1', verdict: 'unverified', basis: 'contract', countableSeconds: 1200, measuredSeconds: 0 }],
      unreported: [],
    }),
  },
  'uplinks: OR(down, unknown) is unknown; a port down ANDed with unknown uplinks is down': {
    // 12 Nov: u1 down 01:00-02:00, u2 unknown 01:30-02:30 -> uplinks T, U (01:30-02:00), T: gap 1800 s.
    // p1 down 05:00-05:10 while both uplinks unknown 04:00-06:00 -> AND(F, U) = F: outage 600 s,
    // gaps 04:00-05:00 and 05:10-06:00 = 6600 s. coverage = 1 - 8400 / 2,592,000.
    scenario: scenario({
      observations: [...allUp(),
        obs('sw1/u1', 'down', '11-12T01:00'), obs('sw1/u1', 'up', '11-12T02:00'),
        obs('sw1/u2', 'unknown', '11-12T01:30'), obs('sw1/u2', 'up', '11-12T02:30'),
        obs('sw1/u1', 'unknown', '11-12T04:00'), obs('sw1/u2', 'unknown', '11-12T04:00'),
        obs(P, 'down', '11-12T05:00'), obs(P, 'up', '11-12T05:10'),
        obs('sw1/u1', 'up', '11-12T06:00'), obs('sw1/u2', 'up', '11-12T06:00')],
    }),
    expected: only('network', {
      measuredSeconds: 600, coverage: 0.9967592593, reports: [],
      unreported: [{ start: t('11-12T05:00'), end: t('11-12T05:10'), seconds: 600, reportableUntil: t('11-17T05:00') }],
      gaps: [
        { start: t('11-12T01:30'), end: t('11-12T02:00'), seconds: 1800 },
        { start: t('11-12T04:00'), end: t('11-12T05:00'), seconds: 3600 },
        { start: t('11-12T05:10'), end: t('11-12T06:00'), seconds: 3000 },
      ],
    }),
  },
  'power: OR of feeds; off + unknown is unknown, bypass is powered, battery is no interruption': {
    // feeds A, B on mains. A off 08:00-09:00; B unknown 08:30, bypass 08:45, off 08:50, mains 09:10.
    // 08:00-08:30 OR(F,T)=T; 08:30-08:45 OR(F,U)=U; 08:45-08:50 OR(F,T)=T; 08:50-09:00 OR(F,F)=F; then T.
    // Outage 600 s, gap 900 s. Report 08:52-09:05 -> 780 s > 259.2 allowed (99.99 %).
    scenario: {
      month: '2026-11', asOf: t('12-05T00:00'),
      customers: [{ id: 'cust-p', power: { feeds: ['ups-a/out', 'ups-b/out'] } }],
      observations: [
        obs('ups-a/out', 'mains', '10-31T00:00'), obs('ups-b/out', 'battery', '10-31T00:00'),
        obs('ups-a/out', 'off', '11-11T08:00'), obs('ups-a/out', 'mains', '11-11T09:00'),
        obs('ups-b/out', 'unknown', '11-11T08:30'), obs('ups-b/out', 'bypass', '11-11T08:45'),
        obs('ups-b/out', 'off', '11-11T08:50'), obs('ups-b/out', 'mains', '11-11T09:10'),
      ],
      reports: [{ id: 'P-1', customer: 'cust-p', service: 'power', reportedAt: t('11-11T08:52'), noticeAt: t('11-11T09:05') }],
    },
    expected: only('power', {
      allowedSeconds: 259.2, countableSeconds: 780, measuredSeconds: 600, claimedSeconds: 780, disputedSeconds: 0,
      coverage: 0.9996527778, breached: true, feeWaived: true,
      reports: [{ id: 'P-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 780, measuredSeconds: 480 }],
      unreported: [],
    }, 'cust-p'),
  },
};

describe('second pass: outages or gaps (docs/sla-rules.md §3)', () => {
  it.each(table(secondPass))('%s', (_name, c) => check(c));
});

describe('three-valued service state (docs/sla-rules.md §2)', () => {
  it.each(table(logic))('%s', (_name, c) => check(c));
});
