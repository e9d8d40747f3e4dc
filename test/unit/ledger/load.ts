/** Loads a reconciler input (e.g. a parsed sla-example) into a fresh SLA ledger on an in-memory store. */
import { openDb } from '../../../collector/src/store/sqlite/db.ts';
import { ObservationStore } from '../../../collector/src/store/sqlite/observations.ts';
import { customerSchema, type CustomerConfig } from '../../../collector/src/config.ts';
import { SlaLedger } from '../../../collector/src/ledger/index.ts';
import { toCustomerSpec } from '../../../collector/src/ledger/live.ts';
import type { Customer, ReconcileInput } from '../../../collector/src/sla/types.ts';

export function toConfig(c: Customer): CustomerConfig {
  return customerSchema.parse(toCustomerSpec(c));
}

export function loadInput(input: ReconcileInput, now = 0): { ledger: SlaLedger; obs: ObservationStore } {
  const db = openDb(':memory:');
  const obs = new ObservationStore(db);
  const ledger = new SlaLedger(db);
  const powerSubjects = new Set(input.customers.flatMap((c) => c.power?.feeds ?? []));
  for (const c of input.customers) ledger.customers.put(toConfig(c), 0, 'api', 'test', now);
  for (const o of input.observations) {
    obs.insert({ subject: o.subject, kind: powerSubjects.has(o.subject) ? 'power' : 'port', state: o.state, at: o.at, via: 'poll', agentId: null, seq: null }, now);
  }
  for (const r of input.reports) {
    ledger.reports.append(r.id, 'create', { customer: r.customer, service: r.service, reportedAt: r.reportedAt, noticeAt: r.noticeAt, claimedStart: r.claimedStart, claimedEnd: r.claimedEnd, firstResponseAt: r.firstResponseAt }, 'test', now);
  }
  for (const x of input.exclusions) {
    ledger.exclusions.append(x.id, 'create', { customer: x.customer, service: x.service, start: x.start, end: x.end, category: x.category, ref: x.ref }, 'test', now);
  }
  return { ledger, obs };
}
