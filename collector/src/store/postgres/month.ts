/**
 * One customer-month from one snapshot: a REPEATABLE READ, READ ONLY
 * transaction, so a commit of agent events or a ledger change landing
 * meanwhile (from this collector or another) is wholly in it or not at all.
 * Each planned subject's state at the window's start and its changes in the
 * window come in two statements for all subjects, not two per subject.
 */
import type pg from 'pg';
import type { HiddenFlap, Observation } from '../../sla/types.ts';
import type { CustomerVersion, MonthPlan, MonthSnapshot } from '../types.ts';
import type { LedgerTables } from './ledger.ts';
import { inTransaction, READ_SNAPSHOT } from './tx.ts';

const BEFORE = `SELECT s.subject, o.state, o.at FROM unnest($1::text[]) s(subject)
  CROSS JOIN LATERAL (SELECT state, at FROM observations WHERE subject = s.subject AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1) o`;
const BETWEEN = `SELECT subject, state, at FROM observations WHERE subject = ANY($1::text[]) AND at > $2 AND at <= $3 ORDER BY subject, at, id`;
// Flaps whose end falls in the window (their start is before it: the previous poll).
const FLAPS = `SELECT subject, since, at FROM hidden_flaps WHERE subject = ANY($1::text[]) AND at > $2 AND at <= $3 ORDER BY subject, at, id`;

export function monthReader(pool: pg.Pool, ledger: LedgerTables) {
  return (customer: string, plan: (v: readonly CustomerVersion[]) => MonthPlan | null): Promise<MonthSnapshot | null> =>
    inTransaction(pool, `month of customer ${customer}`, async (c) => {
      const versions = await ledger.customers.history(c, customer);
      const p = plan(versions);
      if (!p) return null;
      const subjects = [...new Set(p.subjects)];
      const observations = new Map<string, Observation[]>(subjects.map((s) => [s, []]));
      for (const o of (await c.query<Observation>(BEFORE, [subjects, p.from])).rows) observations.get(o.subject)!.push(o);
      for (const o of (await c.query<Observation>(BETWEEN, [subjects, p.from, p.asOf])).rows) observations.get(o.subject)!.push(o);
      const hiddenFlaps = (await c.query<HiddenFlap>(FLAPS, [subjects, p.from, p.asOf])).rows;
      return { versions, observations, hiddenFlaps, reports: await ledger.latestReports(customer, c), exclusions: await ledger.latestExclusions(customer, c) };
    }, READ_SNAPSHOT);
}
