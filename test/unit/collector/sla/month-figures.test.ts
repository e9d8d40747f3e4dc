/**
 * docs/sla-rules.md §4 figures and the edges of time: months in other zones (daylight
 * saving), asOf, open reports and outages, exclusions that name no customer or
 * service, allowances. Worked out by hand; arithmetic in the comments.
 */
import { describe, it } from 'vitest';
import { check, obs, only, report, scenario, t, table, withObs, type Case } from './cases.ts';

const P = 'sw1/p1';
const up3 = (at: string): Record<string, string>[] =>
  ['sw1/p1', 'sw1/u1', 'sw1/u2'].map((subject) => ({ subject, state: 'up', at }));

const zones: Record<string, Case> = {
  'Europe/Berlin, March 2026: 31 days minus the hour lost on 29 March': {
    // month = 31 x 86,400 - 3600 = 2,674,800 s, allowed 2674.8. Down 01:30+01:00 (00:30Z) to 03:30+02:00
    // (01:30Z) = 3600 s although the wall clock shows 2 h. Report 01:35+01:00 to 03:40+02:00 = 00:35Z-01:40Z
    // = 3900 s > 2674.8: breached. availability = 1 - 3900 / 2,674,800. Measured inside the claim:
    // 00:35Z-01:30Z = 3300 s.
    scenario: {
      month: '2026-03', asOf: '2026-04-05T00:00:00+02:00',
      customers: [{ id: 'cust-a', timezone: 'Europe/Berlin', network: { ports: [P], uplinks: ['sw1/u1', 'sw1/u2'] } }],
      observations: [...up3('2026-02-20T00:00:00+01:00'),
        { subject: P, state: 'down', at: '2026-03-29T01:30:00+01:00' }, { subject: P, state: 'up', at: '2026-03-29T03:30:00+02:00' }],
      reports: [{ id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-03-29T01:35:00+01:00', noticeAt: '2026-03-29T03:40:00+02:00' }],
    },
    expected: {
      month: '2026-03',
      ...only('network', {
        monthSeconds: 2_674_800, allowedSeconds: 2674.8, countableSeconds: 3900, measuredSeconds: 3600,
        claimedSeconds: 3900, disputedSeconds: 0, availability: 0.9985419471, breached: true, feeWaived: true, coverage: 1,
        reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 3900, measuredSeconds: 3300 }],
        unreported: [],
      }),
    },
  },
  'America/New_York, November 2026: an hour longer, so 2595 s stays within 2595.6': {
    // month = 30 x 86,400 + 3600 = 2,595,600 s, allowed 2595.6 (in Shanghai 2595 s would breach 2592).
    // Report 10:00 to 10:43:15 (-05:00) = 2595 s; down 09:59-11:00 = 3660 s.
    scenario: {
      month: '2026-11', asOf: '2026-12-05T00:00:00-05:00',
      customers: [{ id: 'cust-a', timezone: 'America/New_York', network: { ports: [P], uplinks: ['sw1/u1', 'sw1/u2'] } }],
      observations: [...up3('2026-10-20T00:00:00-04:00'),
        { subject: P, state: 'down', at: '2026-11-10T09:59:00-05:00' }, { subject: P, state: 'up', at: '2026-11-10T11:00:00-05:00' }],
      reports: [{ id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-10T10:00:00-05:00', noticeAt: '2026-11-10T10:43:15-05:00' }],
    },
    expected: only('network', {
      monthSeconds: 2_595_600, allowedSeconds: 2595.6, countableSeconds: 2595, measuredSeconds: 3660,
      availability: 0.9990002312, breached: false, feeWaived: false, monthStart: '2026-11-01T00:00:00-04:00', monthEnd: '2026-12-01T00:00:00-05:00',
    }),
  },
  'mixed UTC offsets in one file reconcile like example 01': {
    // The instants of example 01 written in Z, +05:30 and -05:00, plus an unreported 10 min outage at
    // 00:00Z on 10 Nov (08:00+08:00): measured 3000 + 600.
    scenario: scenario({
      observations: [
        { subject: P, state: 'up', at: '2026-10-30T16:00:00Z' },
        { subject: 'sw1/u1', state: 'up', at: '2026-10-31T05:30:00+05:30' },
        { subject: 'sw1/u2', state: 'up', at: '2026-10-30T11:00:00-05:00' },
        { subject: P, state: 'down', at: '2026-11-03T02:00:00Z' },
        { subject: P, state: 'up', at: '2026-11-02T21:50:00-05:00' },
        { subject: P, state: 'down', at: '2026-11-10T00:00:00Z' },
        { subject: P, state: 'up', at: '2026-11-10T05:40:00+05:30' },
      ],
      reports: [{
        id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T07:35:00+05:30', noticeAt: '2026-11-03T02:55:00Z',
        claimedStart: '2026-11-03T10:00:00+08:00', claimedEnd: '2026-11-02T21:55:00-05:00',
      }],
    }),
    expected: only('network', {
      countableSeconds: 3000, measuredSeconds: 3600, claimedSeconds: 3300, disputedSeconds: 300, breached: true,
      reports: [{ id: 'T-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 3000, claimedSeconds: 3300, measuredSeconds: 3000 }],
      unreported: [{ start: '2026-11-10T00:00:00Z', end: '2026-11-10T08:10:00+08:00', seconds: 600, reportableUntil: t('11-15T08:00') }],
    }),
  },
};

const allowances: Record<string, Case> = {};
for (const [name, notice, max, breached] of [
  // maxDowntimeMinutes 44 promises "less than 44 min": allowed 2640 s and 2640 s already breaches.
  ['maxDowntimeMinutes 44: exactly 44 min (2640 s) breaches (>=)', '11-09T10:44', 44, true],
  ['maxDowntimeMinutes 44: 43 min 59 s (2639 s) does not', '11-09T10:43:59', 44, false],
  // target 0.999: allowed 2592 s and only more than that breaches.
  ['target 0.999: exactly 2592 s (43 min 12 s) does not breach (>)', '11-09T10:43:12', undefined, false],
  ['target 0.999: 2593 s breaches', '11-09T10:43:13', undefined, true],
] as const) {
  const terms = max === undefined ? {} : { terms: { network: { target: 0.999, maxDowntimeMinutes: max } } };
  allowances[name] = {
    scenario: withObs([obs(P, 'down', '11-09T10:00'), obs(P, 'up', '11-09T11:00')], {
      customers: [{ id: 'cust-a', network: { ports: [P], uplinks: ['sw1/u1', 'sw1/u2'] }, ...terms }],
      reports: [report('T-1', '11-09T10:00', notice)],
    }),
    expected: only('network', {
      allowedSeconds: max === undefined ? 2592 : 2640, maxDowntimeMinutes: max ?? null, breached, feeWaived: breached,
    }),
  };
}

const asOf: Record<string, Case> = {
  'asOf mid-month: coverage over the known part; later observations and reports ignored': {
    // asOf 16 Nov 00:00: 15 days = 1,296,000 s; gap 10 Nov 00:00-01:00 -> coverage 1 - 3600 / 1,296,000.
    // The 20 Nov outage and its report are after asOf: not known.
    scenario: withObs([
      obs(P, 'unknown', '11-10T00:00'), obs(P, 'up', '11-10T01:00'), obs(P, 'down', '11-20T10:00'),
    ], { asOf: t('11-16T00:00'), reports: [report('T-late', '11-20T10:05', '11-20T10:30')] }),
    expected: only('network', {
      monthSeconds: 2_592_000, countableSeconds: 0, measuredSeconds: 0, coverage: 0.9972222222, reports: [], unreported: [],
    }),
  },
  'asOf before the month starts: coverage null, nothing known': {
    scenario: withObs([obs(P, 'down', '11-03T10:00')], { asOf: t('10-25T00:00'), reports: [report('T-1', '11-03T10:05')] }),
    expected: only('network', {
      coverage: null, countableSeconds: 0, measuredSeconds: 0, claimedSeconds: 0, disputedSeconds: 0,
      availability: 1, breached: false, reports: [], unreported: [],
    }),
  },
  'open reports: claimedStart only runs to asOf; a notice after asOf counts as absent': {
    // asOf 25 Nov 10:00, down since 09:30. R-1 r 09:40, claim from 09:00 -> countable [09:40, 10:00] = 1200,
    // claimed [09:00, 10:00] = 3600, measured inside 09:30-10:00 = 1800. R-2 r 09:45, notice 12:00 (after asOf)
    // -> open, [09:45, 10:00] = 900. Union countable 1200; claims union 3600; disputed 2400.
    scenario: withObs([obs(P, 'down', '11-25T09:30')], {
      asOf: t('11-25T10:00'),
      reports: [report('R-1', '11-25T09:40', undefined, { claimedStart: t('11-25T09:00') }), report('R-2', '11-25T09:45', '11-25T12:00')],
    }),
    expected: only('network', {
      countableSeconds: 1200, measuredSeconds: 1800, claimedSeconds: 3600, disputedSeconds: 2400, coverage: 1,
      reports: [
        { id: 'R-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 1200, claimedSeconds: 3600, measuredSeconds: 1800, open: true, noticeAt: null },
        { id: 'R-2', verdict: 'confirmed', basis: 'contract', countableSeconds: 900, claimedSeconds: 900, measuredSeconds: 900, open: true, noticeAt: null },
      ],
      unreported: [],
      incidents: [{ start: t('11-25T09:30'), end: null, seconds: 1800, reportableUntil: t('11-30T09:30'), reports: ['R-1', 'R-2'] }],
    }),
  },
  'unreported outages: one from October, one closed, one still open at asOf': {
    // asOf 25 Nov 10:00. 31 Oct 23:00 - 1 Nov 01:00 (Nov part 3600 s), 12 Nov 08:00-08:30 (1800 s),
    // 25 Nov 09:00 - open (3600 s up to asOf, end null). Measured 9000 s. reportableUntil = start + 5 days.
    scenario: withObs([
      obs(P, 'down', '10-31T23:00'), obs(P, 'up', '11-01T01:00'), obs(P, 'down', '11-12T08:00'), obs(P, 'up', '11-12T08:30'),
      obs(P, 'down', '11-25T09:00'),
    ], { asOf: t('11-25T10:00') }),
    expected: only('network', {
      measuredSeconds: 9000, countableSeconds: 0, reports: [],
      unreported: [
        { start: t('10-31T23:00'), end: t('11-01T01:00'), seconds: 3600, reportableUntil: t('11-05T23:00') },
        { start: t('11-12T08:00'), end: t('11-12T08:30'), seconds: 1800, reportableUntil: t('11-17T08:00') },
        { start: t('11-25T09:00'), end: null, seconds: 3600, reportableUntil: t('11-30T09:00') },
      ],
    }),
  },
  'a report of the previous month reaching into this one is listed with its November part': {
    // down 31 Oct 23:45 - 1 Nov 00:20; O-1 r 23:50, n 00:30 -> [23:50, 00:30], November part 00:00-00:30 = 1800;
    // claimed the same; measured in claim and month 00:00-00:20 = 1200. O-2 (30 Oct, all in October) is not listed.
    scenario: withObs([obs(P, 'down', '10-31T23:45'), obs(P, 'up', '11-01T00:20')], {
      reports: [report('O-1', '10-31T23:50', '11-01T00:30'), report('O-2', '10-30T10:00', '10-30T10:30')],
    }),
    expected: only('network', {
      countableSeconds: 1800, measuredSeconds: 1200, claimedSeconds: 1800, disputedSeconds: 0,
      reports: [{ id: 'O-1', verdict: 'confirmed', basis: 'contract', countableSeconds: 1800, claimedSeconds: 1800, measuredSeconds: 1200 }],
      unreported: [],
    }),
  },
};

const globalExclusions: Case = {
  // Network [10:05, 10:35] minus G-1 (every customer, both services) 10:00-10:10 -> 1500, excluded 300.
  // Power [12:05, 12:35] minus A-1 (cust-a, both services) 12:00-12:15 -> 1200, excluded 600 (> 259.2: breached).
  // B-1 belongs to cust-b and must not touch cust-a.
  scenario: {
    month: '2026-11', asOf: t('12-05T00:00'),
    customers: [
      { id: 'cust-a', network: { ports: [P] }, power: { feeds: ['ups1/out'] } },
      { id: 'cust-b', network: { ports: ['sw2/p9'] } },
    ],
    observations: [
      obs(P, 'up', '10-31T00:00'), obs('ups1/out', 'mains', '10-31T00:00'), obs('sw2/p9', 'up', '10-31T00:00'),
      obs(P, 'down', '11-07T10:00'), obs(P, 'up', '11-07T10:30'), obs('ups1/out', 'off', '11-07T12:00'), obs('ups1/out', 'mains', '11-07T12:30'),
    ],
    reports: [
      report('N-1', '11-07T10:05', '11-07T10:35'),
      { id: 'P-1', customer: 'cust-a', service: 'power', reportedAt: t('11-07T12:05'), noticeAt: t('11-07T12:35') },
    ],
    exclusions: [
      { id: 'G-1', start: t('11-07T10:00'), end: t('11-07T10:10'), category: 'maintenance', ref: 'MAINT-7' },
      { id: 'A-1', customer: 'cust-a', start: t('11-07T12:00'), end: t('11-07T12:15'), category: 'customer_authorized', ref: 'AUTH-9' },
      { id: 'B-1', customer: 'cust-b', service: 'network', start: t('11-07T09:00'), end: t('11-07T13:00'), category: 'maintenance', ref: 'MAINT-8' },
    ],
  },
  expected: {
    customers: [
      { id: 'cust-a', services: {
        network: {
          countableSeconds: 1500, measuredSeconds: 1800, claimedSeconds: 1800, disputedSeconds: 300,
          reports: [{ id: 'N-1', verdict: 'confirmed', countableSeconds: 1500, excludedSeconds: 300, measuredSeconds: 1500, exclusions: ['G-1'] }],
          // G-1 removed 10:05-10:10 = 300 s; A-1 applies to the network too but removed nothing.
          exclusions: [
            { id: 'G-1', category: 'maintenance', ref: 'MAINT-7', start: t('11-07T10:00'), end: t('11-07T10:10'), removedSeconds: 300 },
            { id: 'A-1', category: 'customer_authorized', ref: 'AUTH-9', start: t('11-07T12:00'), end: t('11-07T12:15'), removedSeconds: 0 },
          ],
        },
        power: {
          allowedSeconds: 259.2, countableSeconds: 1200, measuredSeconds: 1800, claimedSeconds: 1800, disputedSeconds: 600, breached: true,
          reports: [{ id: 'P-1', verdict: 'confirmed', countableSeconds: 1200, excludedSeconds: 600, measuredSeconds: 1500, exclusions: ['A-1'] }],
          exclusions: [{ id: 'G-1', removedSeconds: 0 }, { id: 'A-1', removedSeconds: 600 }],
        },
      } },
      { id: 'cust-b', services: { network: {
        countableSeconds: 0, measuredSeconds: 0, reports: [], unreported: [],
        exclusions: [{ id: 'G-1', removedSeconds: 0 }, { id: 'B-1', removedSeconds: 0 }],
      } } },
    ],
  },
};

describe('month figures (docs/sla-rules.md §4)', () => {
  it.each(table(zones))('%s', (_name, c) => check(c));
  it.each(table(allowances))('%s', (_name, c) => check(c));
  it.each(table(asOf))('%s', (_name, c) => check(c));
  it('exclusions without customer or service apply to every customer / both services', () => check(globalExclusions));
});
