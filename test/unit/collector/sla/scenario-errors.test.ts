/**
 * parseScenario rejects bad scenario files with DcprobeError(SCENARIO_INVALID) and
 * a message naming the field and the item. Each case breaks one thing in the
 * shared example 01 (or 06 for power) and pairs it with its exact message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DcprobeError, E } from '@dcprobe/shared';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';

type S = Record<string, any>; // scenario JSON under test, mutated freely
const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');
const load = (f: string): S => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as S;
const EXCLUSION = {
  id: 'X-1', customer: 'cust-a', service: 'network', start: '2026-11-03T10:00:00+08:00',
  end: '2026-11-03T10:10:00+08:00', category: 'maintenance', ref: 'CHG-1',
};

const cases: [string, (s: S) => void, string][] = [
  ['a time without an offset', (s) => { s.reports[0].noticeAt = '2026-11-03T10:55:00'; },
    'reports[0].noticeAt: expected an ISO 8601 time with an offset, got "2026-11-03T10:55:00"'],
  ['an observation time without an offset', (s) => { s.observations[0].at = '2026-10-31 00:00'; },
    'observations[0].at: expected an ISO 8601 time with an offset, got "2026-10-31 00:00"'],
  ['an unknown state', (s) => { s.observations[3].state = 'sideways'; },
    'observations[3].state: "sideways" is not a state of sw1/ge-0/0/1 (network: up, down, unknown)'],
  ['a power state on a network subject', (s) => { s.observations[0].state = 'mains'; },
    'observations[0].state: "mains" is not a state of sw1/ge-0/0/1 (network: up, down, unknown)'],
  ['a state missing', (s) => { delete s.observations[4].state; },
    'observations[4].state: required (network: up, down, unknown)'],
  ['two observations of a subject at one instant', (s) => { s.observations[4].at = s.observations[3].at; },
    'observations[4].at: sw1/ge-0/0/1 already has an observation at 2026-11-03T02:00:00Z (observations[3])'],
  ['a notice before the report', (s) => { s.reports[0].noticeAt = '2026-11-03T10:00:00+08:00'; },
    'reports[0]: noticeAt is before reportedAt'],
  ['a claimed end before its start', (s) => { s.reports[0].claimedEnd = '2026-11-03T09:00:00+08:00'; },
    'reports[0]: claimedEnd is before claimedStart'],
  ['a claimed end before the default start (reportedAt)', (s) => { delete s.reports[0].claimedStart; s.reports[0].claimedEnd = '2026-11-03T10:00:00+08:00'; },
    'reports[0]: claimedEnd is before reportedAt (the default claimedStart)'],
  ['a missing reportedAt', (s) => { delete s.reports[0].reportedAt; }, 'reports[0].reportedAt: required'],
  ['a report of an unknown customer', (s) => { s.reports[0].customer = 'cust-z'; }, 'reports[0].customer: unknown customer "cust-z"'],
  ['a report of a service the customer lacks', (s) => { s.reports[0].service = 'power'; },
    'reports[0].service: customer "cust-a" has no power service'],
  ['an unknown service', (s) => { s.reports[0].service = 'water'; },
    'reports[0].service: "water" is not allowed; expected one of network, power'],
  ['a duplicate report id', (s) => { s.reports.push({ ...s.reports[0] }); },
    'reports[1].id: duplicate report id "T-1" (first at reports[0])'],
  ['a misspelt field', (s) => { s.reports[0].claimStart = s.reports[0].claimedStart; },
    'reports[0].claimStart: unknown field'],
  ['a duplicate customer id', (s) => { s.customers.push({ ...s.customers[0], network: { ports: ['sw9/p1'] } }); },
    'customers[1].id: duplicate customer id "cust-a" (first at customers[0])'],
  ['a customer without id', (s) => { delete s.customers[0].id; }, 'customers[0].id: required'],
  ['a customer without services', (s) => { delete s.customers[0].network; },
    'customers[0]: has neither a network nor a power service'],
  ['no ports', (s) => { s.customers[0].network.ports = []; }, 'customers[0].network.ports: expected at least one entry'],
  ['a bad redundancy', (s) => { s.customers[0].network.redundancy = 'some'; },
    'customers[0].network.redundancy: "some" is not allowed; expected one of any, all'],
  ['a subject in both services', (s) => { s.customers[0].power = { feeds: ['sw1/ge-0/0/1'] }; },
    'customers[0].power.feeds[0]: "sw1/ge-0/0/1" is already a network subject (customers[0].network.ports[0])'],
  ['an unknown time zone', (s) => { s.customers[0].timezone = 'Mars/Olympus'; },
    'customers[0].timezone: unknown time zone "Mars/Olympus"'],
  ['a target given in percent', (s) => { s.customers[0].terms.network.target = 99.9; },
    'customers[0].terms.network.target: expected a share > 0 and <= 1 (0.999 for 99.9 %), got 99.9'],
  ['a bad unverified policy', (s) => { s.customers[0].terms.unverified = 'ignore'; },
    'customers[0].terms.unverified: "ignore" is not allowed; expected one of count, exclude'],
  ['an exclusion ending before it starts', (s) => { s.exclusions = [{ ...EXCLUSION, end: '2026-11-03T09:00:00+08:00' }]; },
    'exclusions[0]: end is before start'],
  ['an exclusion without ref', (s) => { const { ref: _ref, ...x } = EXCLUSION; s.exclusions = [x]; }, 'exclusions[0].ref: required'],
  ['an exclusion of an unknown customer', (s) => { s.exclusions = [{ ...EXCLUSION, customer: 'cust-q' }]; },
    'exclusions[0].customer: unknown customer "cust-q"'],
  ['an exclusion with an unknown category', (s) => { s.exclusions = [{ ...EXCLUSION, category: 'holiday' }]; },
    'exclusions[0].category: "holiday" is not allowed; expected one of maintenance, customer_authorized, customer_negligence, force_majeure, line_damage, expansion'],
  ['duplicate exclusion ids', (s) => { s.exclusions = [EXCLUSION, EXCLUSION]; },
    'exclusions[1].id: duplicate exclusion id "X-1" (first at exclusions[0])'],
  ['a bad month', (s) => { s.month = '2026-13'; }, 'month: expected YYYY-MM, got "2026-13"'],
  ['no asOf', (s) => { delete s.asOf; }, 'asOf: required'],
  ['no customers', (s) => { delete s.customers; }, 'customers: required'],
  ['an unknown top-level field', (s) => { s.customer = []; }, 'customer: unknown field'],
];

describe('parseScenario errors name the field and the item', () => {
  it.each(cases)('%s', (_name, mutate, message) => {
    const s = load('01-confirmed.json');
    mutate(s);
    let caught: unknown;
    try { parseScenario(s); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(DcprobeError);
    expect((caught as DcprobeError).code).toBe(E.SCENARIO_INVALID);
    expect((caught as DcprobeError).message).toBe(message);
  });

  it('a network state on a power subject', () => {
    const s = load('06-power.json');
    s.observations[1].state = 'down';
    expect(() => parseScenario(s)).toThrow('observations[1].state: "down" is not a state of ups-a/output (power: mains, battery, bypass, off, unknown)');
  });

  it('a scenario that is not an object', () => {
    expect(() => parseScenario([])).toThrow('scenario: expected an object, got a list');
  });

  it('overrides stand in for a missing month and asOf', () => {
    const s = load('01-confirmed.json');
    delete s.month; delete s.asOf;
    const input = parseScenario(s, { month: '2026-12', asOf: Date.UTC(2027, 0, 1) });
    expect([input.month, input.asOf]).toEqual(['2026-12', Date.UTC(2027, 0, 1)]);
  });

  it('fills the defaults of docs/sla-rules.md §2', () => {
    const s = load('01-confirmed.json');
    s.customers[0] = { id: 'cust-a', network: { ports: ['sw1/ge-0/0/1'] } };
    const c = parseScenario(s).customers[0]!;
    expect(c).toEqual({
      id: 'cust-a', timezone: 'Asia/Shanghai',
      network: { ports: ['sw1/ge-0/0/1'], redundancy: 'any', uplinks: [] },
      terms: { network: { target: 0.999 }, power: { target: 0.9999 }, reportDeadlineDays: 5, graceMinutes: 10, unverified: 'count' },
    });
  });
});
