/**
 * Subject timelines and the service-state merge: input order does not matter,
 * one change per instant (the later given wins), nothing after asOf, and changes
 * of several subjects at one instant settle without a zero-length blip.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import {
  F, indexObservations, isDown, NETWORK_TRUTH, serviceTimeline, spansWhere, T, U, type Group,
} from '../../../../collector/src/sla/timeline.ts';
import type { Observation } from '../../../../collector/src/sla/types.ts';
import { buildSlaInput } from '../../../../bench/sla-data.ts';

const o = (subject: string, state: Observation['state'], at: number): Observation => ({ subject, state, at });

describe('indexObservations', () => {
  it('sorts, keeps the last change given for an instant, drops what is after asOf and unwanted subjects', () => {
    const idx = indexObservations(
      [o('a', 'up', 30), o('a', 'down', 10), o('b', 'up', 5), o('a', 'unknown', 20), o('a', 'up', 20), o('a', 'down', 41)],
      new Set(['a']), 40,
    );
    expect([...idx.keys()]).toEqual(['a']);
    const a = idx.get('a')!;
    expect([...a.at]).toEqual([10, 20, 30]);
    expect([...a.code].map((c) => NETWORK_TRUTH[c])).toEqual([F, T, T]);
  });
});

describe('serviceTimeline', () => {
  const group = (op: 'or' | 'and', obs: Observation[], subjects: string[]): Group => {
    const idx = indexObservations(obs, new Set(subjects), 1000);
    return { op, truth: NETWORK_TRUTH, members: subjects.map((s) => idx.get(s)!) };
  };

  it.each([
    // p1 up->down and p2 down->up at 100: OR stays up, no blip at 100.
    ['any, two ports swap at one instant', 'or', [[-Infinity, U], [0, T]]],
    // AND: down from 50 (p2 down) and still down after the swap.
    ['all, two ports swap at one instant', 'and', [[-Infinity, U], [0, T], [50, F]]],
  ] as const)('%s', (_name, op, expected) => {
    const obs = [o('p1', 'up', 0), o('p2', 'up', 0), o('p2', 'down', 50), o('p1', 'down', 100), o('p2', 'up', 100)];
    const tl = serviceTimeline([group(op, obs, ['p1', 'p2'])], 1000);
    expect(tl.starts.map((s, i) => [s, tl.vals[i]])).toEqual(expected);
  });

  it('an outage still down at the end is open; one closed exactly at the end is not', () => {
    const open = serviceTimeline([group('or', [o('p', 'up', 0), o('p', 'down', 500)], ['p'])], 1000);
    expect(spansWhere(open, isDown)).toEqual([{ start: 500, end: 1000, open: true }]);
    const closedAtEnd = serviceTimeline([group('or', [o('p', 'up', 0), o('p', 'down', 500), o('p', 'up', 1000)], ['p'])], 1000);
    expect(spansWhere(closedAtEnd, isDown)).toEqual([{ start: 500, end: 1000, open: false }]);
  });
});

describe('reconcile as a pure function', () => {
  it('gives the same result whatever the order of observations and reports, and leaves its input alone', () => {
    const input = buildSlaInput({ customers: 40, observations: 4000, reports: 80, seed: 3 });
    const before = JSON.stringify(input);
    const sorted = reconcile(input);
    const shuffled = { ...input, observations: [...input.observations].reverse(), reports: [...input.reports].reverse() };
    expect(reconcile(shuffled)).toEqual(sorted);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('a customer whose subjects were never observed: every report is unverified (rule 1 on the gap)', () => {
    const result = reconcile(parseScenario({
      month: '2026-11', asOf: '2026-12-05T00:00:00+08:00',
      customers: [{ id: 'c', network: { ports: ['p'] } }],
      reports: [{ id: 'R', customer: 'c', service: 'network', reportedAt: '2026-11-02T10:00:00+08:00', noticeAt: '2026-11-02T10:30:00+08:00' }],
    }));
    const net = result.customers[0]!.services.network!;
    expect([net.coverage, net.countableSeconds, net.reports[0]!.verdict, net.gaps]).toEqual([0, 1800, 'unverified', [{ start: null, end: null, seconds: 2592000 }]]);
  });
});
