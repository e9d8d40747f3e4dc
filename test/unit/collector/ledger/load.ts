/** Loads a reconciler input (e.g. a parsed sla-example) into a fresh SLA ledger on an in-memory store. */
import { openStore } from '../../../../collector/src/store/open.ts';
import type { Store } from '../../../../collector/src/store/types.ts';
import { customerSchema, type CustomerConfig } from '../../../../collector/src/config.ts';
import { SlaLedger } from '../../../../collector/src/ledger/index.ts';
import { toCustomerSpec } from '../../../../collector/src/ledger/live.ts';
import type { Customer, ReconcileInput } from '../../../../collector/src/sla/types.ts';

export function toConfig(c: Customer): CustomerConfig {
  return customerSchema.parse(toCustomerSpec(c));
}

export async function loadInput(input: ReconcileInput, now = 0): Promise<{ ledger: SlaLedger; store: Store }> {
  const store = await openStore(':memory:');
  const ledger = await SlaLedger.open(store);
  const powerSubjects = new Set(input.customers.flatMap((c) => c.power?.feeds ?? []));
  for (const c of input.customers) await ledger.customers.put(toConfig(c), 0, 'api', 'test', now);
  await store.importObservations(input.observations.map((o) => (
    { subject: o.subject, kind: powerSubjects.has(o.subject) ? 'power' : 'port', state: o.state, at: o.at, via: 'poll', agentId: null, seq: null })), now);
  for (const r of input.reports) {
    await ledger.reports.create(r.id, { customer: r.customer, service: r.service, reportedAt: r.reportedAt, noticeAt: r.noticeAt, claimedStart: r.claimedStart, claimedEnd: r.claimedEnd, firstResponseAt: r.firstResponseAt }, 'test', now);
  }
  for (const x of input.exclusions) {
    await ledger.exclusions.create(x.id, { customer: x.customer, service: x.service, start: x.start, end: x.end, category: x.category, ref: x.ref }, 'test', now);
  }
  return { ledger, store };
}
