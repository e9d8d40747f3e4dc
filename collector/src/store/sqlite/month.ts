/**
 * One customer-month in one read transaction: the customer's versions, then
 * (planned from them) each subject's observations and hidden flaps over the window, the
 * customer's reports and the exclusions that concern it. WAL gives the
 * transaction one snapshot, so a projection step or an API change committing
 * meanwhile is either wholly in it or not at all.
 */
import type { HiddenFlap, Observation } from '../../sla/types.ts';
import { MONTHS_BATCH, type CustomerMonth, type CustomerVersion, type MonthPlan, type MonthSnapshot } from '../types.ts';
import type { Db } from './db.ts';
import type { LedgerTables } from './ledger.ts';

export function monthReader(db: Db, ledger: LedgerTables) {
  const before = db.prepare(`SELECT subject, state, at FROM observations WHERE subject = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`);
  const between = db.prepare(`SELECT subject, state, at FROM observations WHERE subject = ? AND at > ? AND at <= ? ORDER BY at, id`);
  // Flaps whose end falls in the window (their start is before it: the previous poll).
  const flaps = db.prepare(`SELECT subject, since, at FROM hidden_flaps WHERE subject = ? AND at > ? AND at <= ? ORDER BY at, id`);
  const read = db.transaction((customer: string, plan: (v: readonly CustomerVersion[]) => MonthPlan | null): MonthSnapshot | null => {
    const versions = ledger.customers.history(customer);
    const p = plan(versions);
    if (!p) return null;
    const observations = new Map<string, Observation[]>();
    const hiddenFlaps: HiddenFlap[] = [];
    for (const s of p.subjects) {
      if (observations.has(s)) continue;
      observations.set(s, [...(before.all(s, p.from) as Observation[]), ...(between.all(s, p.from, p.asOf) as Observation[])]);
      hiddenFlaps.push(...(flaps.all(s, p.from, p.asOf) as HiddenFlap[]));
    }
    return { versions, observations, hiddenFlaps, reports: ledger.latestReports(customer), exclusions: ledger.latestExclusions(customer) };
  });
  return (customer: string, plan: (v: readonly CustomerVersion[]) => MonthPlan | null): MonthSnapshot | null => read(customer, plan);
}

/**
 * Every customer's month from one snapshot: all of it read in one transaction
 * (a nested readMonth is a savepoint of it), then handed out in batches. The
 * reads are synchronous, so nothing would overlap the caller anyway.
 */
export function monthsReader(db: Db, ledger: LedgerTables, month: ReturnType<typeof monthReader>) {
  const readAll = db.transaction((plan: (v: readonly CustomerVersion[]) => MonthPlan | null): CustomerMonth[] => {
    const out: CustomerMonth[] = [];
    const ids = [...new Set(ledger.customerVersions().map((v) => v.customer))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const customer of ids) {
      const snapshot = month(customer, plan);
      if (snapshot) out.push({ customer, snapshot });
    }
    return out;
  });
  return async (plan: (v: readonly CustomerVersion[]) => MonthPlan | null, each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize = MONTHS_BATCH): Promise<void> => {
    const months = readAll(plan);
    const size = Math.max(1, batchSize);
    for (let i = 0; i < months.length; i += size) await each(months.slice(i, i + size));
  };
}
