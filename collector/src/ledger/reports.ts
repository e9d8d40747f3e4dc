/**
 * Customer reports (tickets) as versions: creation, corrections and the
 * restoration notice each append a version; the latest version is what the
 * reconciler sees, and the whole history stays readable.
 */
import type { Report } from '../sla/types.ts';
import type { LedgerStore, ReportChange, ReportFields, ReportVersion } from '../store/types.ts';
import { auditEntry } from './audit.ts';
import { appendFirst, latestOf, newId } from './versioned.ts';

export type { ReportChange, ReportFields, ReportVersion } from '../store/types.ts';

/** What the reconciler takes from a report version. */
export function toCoreReport(v: ReportVersion): Report {
  return {
    id: v.id, customer: v.customer, service: v.service, reportedAt: v.reportedAt,
    ...(v.noticeAt !== undefined ? { noticeAt: v.noticeAt } : {}),
    ...(v.claimedStart !== undefined ? { claimedStart: v.claimedStart } : {}),
    ...(v.claimedEnd !== undefined ? { claimedEnd: v.claimedEnd } : {}),
    ...(v.firstResponseAt !== undefined ? { firstResponseAt: v.firstResponseAt } : {}),
    ...(v.writtenReportAt !== undefined ? { writtenReportAt: v.writtenReportAt } : {}),
  };
}

export class Reports {
  constructor(private readonly store: LedgerStore, private readonly onChange: (customer: string) => void) {}

  newId(): string { return newId('R'); }
  history(id: string): Promise<ReportVersion[]> { return this.store.reportHistory(id); }
  async latest(id: string): Promise<ReportVersion> { return latestOf('report', id, await this.history(id)); }

  /** Latest versions, of one customer or of all, in order of receipt. */
  list(customer?: string): Promise<ReportVersion[]> { return this.store.latestReports(customer); }

  /** A new report: version 1. */
  async create(id: string, f: ReportFields, actor: string, now: number): Promise<ReportVersion> {
    const v = this.version(id, 1, 'create', f, actor, now, undefined);
    await appendFirst('report', id, () => this.store.appendReport(v, auditEntry(now, actor, 'create', 'report', id, 1)));
    this.onChange(f.customer);
    return v;
  }

  /** A correction or the notice, as the version after `prev`; E.CONFLICT if `prev` is no longer the latest. */
  async revise(prev: ReportVersion, change: Exclude<ReportChange, 'create'>, f: ReportFields, actor: string, now: number, reason?: string): Promise<ReportVersion> {
    const v = this.version(prev.id, prev.version + 1, change, f, actor, now, reason);
    await this.store.appendReport(v, auditEntry(now, actor, change, 'report', prev.id, v.version, reason === undefined ? undefined : { reason }));
    this.onChange(f.customer);
    if (prev.customer !== f.customer) this.onChange(prev.customer); // moved to another customer
    return v;
  }

  private version(id: string, version: number, change: ReportChange, f: ReportFields, actor: string, now: number, reason: string | undefined): ReportVersion {
    return { ...f, id, version, change, reason, recordedAt: now, recordedBy: actor };
  }
}
