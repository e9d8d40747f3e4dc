/**
 * What a revised statement needs from what was frozen before it and from the
 * ledger since: the latest revision of a month with its result (recomputed
 * from its own sealed scenario export, exactly what the customer holds) and
 * its manifest digest (what the revision cites), and the reason, built from
 * the corrections recorded after it was issued, each with who made it and why.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import { reconcile } from '../sla/reconcile.ts';
import { parseScenario } from '../sla/scenario.ts';
import { unseal } from '../evidence/seal.ts';
import type { ReconcileResult } from '../sla/types.ts';
import type { SlaLedger } from '../ledger/index.ts';
import type { StatementRecord } from '../store/types.ts';

export interface Frozen { record: StatementRecord; result: ReconcileResult; manifestDigest: string }

/** The highest revision of each month, from a customer's stored statements. */
export function latestRevisions(list: readonly StatementRecord[]): StatementRecord[] {
  const byMonth = new Map<string, StatementRecord>();
  for (const s of list) if ((byMonth.get(s.month)?.revision ?? -1) < s.revision) byMonth.set(s.month, s);
  return [...byMonth.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

/** The frozen statement's result and manifest digest, from its own files. */
export function frozenOf(s: StatementRecord): Frozen {
  const file = (suffix: string) => {
    const f = s.files.find((x) => x.name.endsWith(suffix));
    if (!f) throw new DcprobeError(E.EVIDENCE_INVALID, `statement ${s.id} has no ${suffix} file`);
    return JSON.parse(f.content.toString('utf8')) as unknown;
  };
  const manifest = unseal(file('.manifest.json'));
  if (!manifest.evidence) throw new DcprobeError(E.EVIDENCE_INVALID, `statement ${s.id}: manifest without evidence`);
  return { record: s, result: reconcile(parseScenario(unseal(file('.scenario.json')).document)), manifestDigest: manifest.evidence.digest };
}

/** What a month's statement covers: the reports listed in it (before or after the change) and its bounds. */
export interface MonthScope { reports: ReadonlySet<string>; from: number; to: number }

/** The report ids a result lists, over its services. */
export function reportIdsOf(result: ReconcileResult): string[] {
  return result.customers.flatMap((c) => Object.values(c.services).flatMap((s) => s?.reports.map((r) => r.id) ?? []));
}

/**
 * Why the month is revised: the customer's report and exclusion versions
 * recorded after `since` (the frozen statement's issue) that touch the month
 * (a report it lists, an exclusion window overlapping it), one line each with
 * who recorded it and the reason they gave. Empty when none did: then what
 * changed came from elsewhere (e.g. late measurements) and the caller says so.
 */
export async function correctionsSince(sla: SlaLedger, customer: string, since: number, month: MonthScope): Promise<string[]> {
  const lines: string[] = [];
  for (const r of await sla.reports.list(customer)) {
    if (!month.reports.has(r.id)) continue;
    for (const v of (await sla.reports.history(r.id)).filter((x) => x.recordedAt > since)) {
      lines.push(`report ${v.id} version ${v.version} (${v.change}) by ${v.recordedBy}: ${v.reason ?? 'no reason given'}`);
    }
  }
  for (const x of await sla.exclusions.list({ customer, withdrawn: true })) {
    const history = await sla.exclusions.history(x.id);
    if (!history.some((v) => v.start < month.to && v.end > month.from)) continue;
    for (const v of history.filter((y) => y.recordedAt > since)) {
      lines.push(`exclusion ${v.id} version ${v.version} (${v.change}) by ${v.recordedBy}: ${v.reason ?? 'no reason given'}`);
    }
  }
  return lines;
}
