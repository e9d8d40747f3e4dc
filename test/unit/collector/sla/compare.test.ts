// The comparator must fail on real differences, or the examples test proves nothing.
import { describe, expect, it } from 'vitest';
import { differences } from '../../../support/sla-compare.ts';

const base = {
  month: '2026-11',
  customers: [{ id: 'c', services: { network: {
    countableSeconds: 3000, availability: 0.998842593, allowedSeconds: 2592.0, coverage: 1.0,
    reports: [{ id: 'T-1', verdict: 'confirmed' }, { id: 'T-2', verdict: 'late' }],
    unreported: [{ start: '2026-11-03T10:00:00+08:00', end: null, seconds: 60 }],
  } } }],
};
const withNet = (patch: object): unknown => ({
  ...base, customers: [{ id: 'c', services: { network: { ...base.customers[0]!.services.network, ...patch, extra: 1 } } }],
});

describe('differences', () => {
  it.each([
    ['same values, extra field, other offset, reports reordered', withNet({
      availability: 0.9988425925925926, allowedSeconds: 2592.0000004,
      reports: [{ id: 'T-2', verdict: 'late' }, { id: 'T-1', verdict: 'confirmed', windows: [] }],
      unreported: [{ start: '2026-11-03T02:00:00Z', end: null, seconds: 60 }],
    }), 0],
    ['seconds off by one', withNet({ countableSeconds: 3001 }), 1],
    ['availability off by 2e-6', withNet({ availability: 0.998844593 }), 1],
    ['allowedSeconds off by 0.01', withNet({ allowedSeconds: 2592.01 }), 1],
    ['another instant', withNet({ unreported: [{ start: '2026-11-03T10:00:01+08:00', end: null, seconds: 60 }] }), 1],
    ['end given where null expected', withNet({ unreported: [{ start: '2026-11-03T10:00:00+08:00', end: '2026-11-03T11:00:00+08:00', seconds: 60 }] }), 1],
    ['a report missing', withNet({ reports: [{ id: 'T-1', verdict: 'confirmed' }] }), 1],
    ['coverage null', withNet({ coverage: null }), 1],
  ])('%s', (_name, actual, count) => {
    expect(differences(actual, base)).toHaveLength(count);
  });
});
