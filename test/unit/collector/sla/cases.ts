/**
 * Builders for small hand-computed scenarios. Every case is a scenario object in
 * the file format (so it goes through parseScenario too) and a partial expected
 * result compared with `differences` (README rules: extra fields allowed, listed
 * reports matched by id, the list of reports must be complete).
 */
import { expect } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { differences } from '../../../support/sla-compare.ts';

/** `t('11-03T10:00')` → `2026-11-03T10:00:00+08:00`; seconds and another offset optional. */
export function t(s: string, offset = '+08:00'): string {
  return `2026-${s}${/T\d\d:\d\d$/.test(s) ? ':00' : ''}${offset}`;
}

export const PORT = 'sw1/p1';
export const UPLINKS = ['sw1/u1', 'sw1/u2'];

export type Json = Record<string, unknown>;

export const obs = (subject: string, state: string, when: string): Json => ({ subject, state, at: t(when) });

/** Port and both uplinks up since 31 Oct (before the month), as in the shared examples. */
export function allUp(): Json[] {
  return [PORT, ...UPLINKS].map((s) => obs(s, 'up', '10-31T00:00'));
}

/** One network customer `cust-a` (port sw1/p1, uplinks sw1/u1-2), month 2026-11, asOf 5 Dec. */
export function scenario(over: Json = {}): Json {
  return {
    month: '2026-11',
    asOf: t('12-05T00:00'),
    customers: [{ id: 'cust-a', network: { ports: [PORT], uplinks: UPLINKS } }],
    observations: allUp(),
    reports: [],
    exclusions: [],
    ...over,
  };
}

/** With the shared observations plus these. */
export function withObs(extra: Json[], over: Json = {}): Json {
  return scenario({ observations: [...allUp(), ...extra], ...over });
}

export const report = (id: string, reportedAt: string, noticeAt?: string, extra: Json = {}): Json => ({
  id, customer: 'cust-a', service: 'network', reportedAt: t(reportedAt),
  ...(noticeAt === undefined ? {} : { noticeAt: t(noticeAt) }),
  ...extra,
});

/** The expected result for cust-a's one service. */
export function only(service: 'network' | 'power', figures: Json, customer = 'cust-a'): Json {
  return { customers: [{ id: customer, services: { [service]: figures } }] };
}

export interface Case { scenario: Json; expected: Json; month?: string }

export function check(c: Case): void {
  const result = reconcile(parseScenario(c.scenario, { month: c.month }));
  expect(differences(result, c.expected)).toEqual([]);
}

/** it.each over named cases: `it.each(table(cases))('%s', (_n, c) => check(c))`. */
export function table(cases: Record<string, Case>): [string, Case][] {
  return Object.entries(cases);
}
