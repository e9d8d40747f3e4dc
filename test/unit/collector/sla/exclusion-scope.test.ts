/**
 * An exclusion counts only for its own service (docs/sla-rules.md, exclusions): one
 * customer loses network and power over the same half hour and reports both; an exclusion
 * for one service takes minutes from that service and leaves the other's whole, whether it
 * names the customer or applies to every customer. One naming no service cuts both.
 *
 * Worked by hand: port and feed down/off 7 Nov 10:00-10:30; N-1 (network) and P-1 (power)
 * received 10:05, notice 10:35 -> each countable [10:05, 10:35] = 1800 s. An exclusion
 * 10:00-10:20 takes 10:05-10:20 = 900 s from a service it applies to.
 */
import { describe, it } from 'vitest';
import { check, obs, t, table, type Case, type Json } from './cases.ts';

const PORT = 'sw1/p1', FEED = 'ups1/out';

function scenario(exclusion: Json): Json {
  return {
    month: '2026-11', asOf: t('12-05T00:00'),
    customers: [
      { id: 'cust-a', network: { ports: [PORT] }, power: { feeds: [FEED] } },
      { id: 'cust-b', network: { ports: ['sw2/p9'] } },
    ],
    observations: [
      obs(PORT, 'up', '10-31T00:00'), obs(FEED, 'mains', '10-31T00:00'), obs('sw2/p9', 'up', '10-31T00:00'),
      obs(PORT, 'down', '11-07T10:00'), obs(PORT, 'up', '11-07T10:30'),
      obs(FEED, 'off', '11-07T10:00'), obs(FEED, 'mains', '11-07T10:30'),
    ],
    reports: [
      { id: 'N-1', customer: 'cust-a', service: 'network', reportedAt: t('11-07T10:05'), noticeAt: t('11-07T10:35') },
      { id: 'P-1', customer: 'cust-a', service: 'power', reportedAt: t('11-07T10:05'), noticeAt: t('11-07T10:35') },
    ],
    exclusions: [{ id: 'X-1', start: t('11-07T10:00'), end: t('11-07T10:20'), category: 'maintenance', ref: 'CHG-7', ...exclusion }],
  };
}

/** cust-a's two services: cut (900 s excluded, X-1 listed) or whole (1800 s, X-1 not listed); cust-b is there to be left alone. */
function expected(cut: { network: boolean; power: boolean }): Json {
  const service = (id: string, isCut: boolean): Json => ({
    countableSeconds: isCut ? 900 : 1800, excludedSeconds: isCut ? 900 : 0,
    reports: [{ id, countableSeconds: isCut ? 900 : 1800, excludedSeconds: isCut ? 900 : 0, exclusions: isCut ? ['X-1'] : [] }],
    exclusions: isCut ? [{ id: 'X-1', removedSeconds: 900 }] : [],
  });
  return { customers: [{ id: 'cust-a', services: { network: service('N-1', cut.network), power: service('P-1', cut.power) } }, { id: 'cust-b' }] };
}

const cases: Record<string, Case> = {
  'a network exclusion for the customer cuts network minutes and no power minute': {
    scenario: scenario({ customer: 'cust-a', service: 'network' }),
    expected: expected({ network: true, power: false }),
  },
  'a power exclusion for the customer cuts power minutes and no network minute': {
    scenario: scenario({ customer: 'cust-a', service: 'power' }),
    expected: expected({ network: false, power: true }),
  },
  'a network exclusion for every customer cuts no power minute': {
    scenario: scenario({ service: 'network' }),
    expected: expected({ network: true, power: false }),
  },
  'a power exclusion for every customer cuts no network minute': {
    scenario: scenario({ service: 'power' }),
    expected: expected({ network: false, power: true }),
  },
  'an exclusion naming no service cuts both': {
    scenario: scenario({ customer: 'cust-a' }),
    expected: expected({ network: true, power: true }),
  },
  "another customer's network exclusion cuts nothing of this customer's": {
    scenario: scenario({ customer: 'cust-b', service: 'network' }),
    expected: expected({ network: false, power: false }),
  },
};

describe('an exclusion counts only for its own service', () => {
  it.each(table(cases))('%s', (_name, c) => check(c));
});
