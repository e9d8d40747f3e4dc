/**
 * What changed between two results for the same month: the content of a
 * revised statement's "what changed". Pure; every difference is a path, the
 * value before and the value after (null for something added or removed),
 * in a stable order. Paths name customers, services, reports, exclusions and
 * unreported outages by their ids (outages by their start), never by position.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import { SERVICES, type ReconcileResult, type ServiceResult } from '../sla/types.ts';

export type Value = string | number | boolean | null;
export interface Change { path: string; before: Value; after: Value }

const SERVICE_FIELDS = [
  'monthSeconds', 'allowedSeconds', 'countableSeconds', 'excludedSeconds', 'measuredSeconds', 'claimedSeconds',
  'disputedSeconds', 'availability', 'coverage', 'breached', 'feeWaived',
] as const satisfies readonly (keyof ServiceResult)[];
const REPORT_FIELDS = [
  'verdict', 'basis', 'open', 'reportedAt', 'noticeAt', 'claimedStart', 'claimedEnd',
  'countableSeconds', 'excludedSeconds', 'claimedSeconds', 'measuredSeconds',
] as const;

export function diffResults(before: ReconcileResult, after: ReconcileResult): Change[] {
  if (before.month !== after.month) throw new DcprobeError(E.VALIDATION, `month: cannot compare ${before.month} with ${after.month}`);
  const out: Change[] = [];
  const customers = byId(before.customers, after.customers);
  for (const [id, [a, b]] of customers) {
    for (const s of SERVICES) {
      const x = a?.services[s], y = b?.services[s];
      const p = `customers.${id}.${s}`;
      if (!x || !y) { if (x || y) out.push({ path: p, before: x ? 'present' : null, after: y ? 'present' : null }); continue; }
      for (const f of SERVICE_FIELDS) push(out, `${p}.${f}`, x[f], y[f]);
      for (const [rid, [r1, r2]] of byId(x.reports, y.reports)) {
        if (!r1 || !r2) { out.push({ path: `${p}.reports.${rid}`, before: r1 ? r1.verdict : null, after: r2 ? r2.verdict : null }); continue; }
        for (const f of REPORT_FIELDS) push(out, `${p}.reports.${rid}.${f}`, r1[f], r2[f]);
      }
      for (const [xid, [e1, e2]] of byId(x.exclusions, y.exclusions)) {
        push(out, `${p}.exclusions.${xid}.removedSeconds`, e1?.removedSeconds ?? null, e2?.removedSeconds ?? null);
      }
      const outage = (o: { start: string; seconds: number }) => ({ ...o, id: o.start });
      for (const [start, [o1, o2]] of byId(x.unreported.map(outage), y.unreported.map(outage))) {
        push(out, `${p}.unreported.${start}.seconds`, o1?.seconds ?? null, o2?.seconds ?? null);
      }
    }
  }
  return out;
}

function push(out: Change[], path: string, before: Value, after: Value): void {
  if (before !== after) out.push({ path, before, after });
}

/** Pairs items of two lists by id, in sorted id order. */
function byId<T extends { id: string }>(a: readonly T[], b: readonly T[]): [string, [T | undefined, T | undefined]][] {
  const m = new Map<string, [T | undefined, T | undefined]>();
  for (const x of a) m.set(x.id, [x, undefined]);
  for (const y of b) m.set(y.id, [m.get(y.id)?.[0], y]);
  return [...m.entries()].sort(([k1], [k2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : 0));
}
