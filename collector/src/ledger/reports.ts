/**
 * Customer reports (tickets) as versions: creation, corrections and the
 * restoration notice each append a version; the latest version is what the
 * reconciler sees, and the whole history stays readable.
 */
import type { Db } from '../store/sqlite/db.ts';
import type { Report, Service } from '../sla/types.ts';
import type { Audit } from './audit.ts';
import { Versions } from './versioned.ts';

export type ReportChange = 'create' | 'correct' | 'notice';

/** A report as the reconciler sees it, plus the customer's own words. */
export interface ReportFields extends Omit<Report, 'id'> {
  text?: string | undefined;
}

export interface ReportVersion extends ReportFields {
  id: string;
  version: number;
  change: ReportChange;
  reason?: string | undefined;
  recordedAt: number;
  recordedBy: string;
}

interface Row {
  id: string; version: number; change: ReportChange; customer: string; service: Service; reportedAt: number;
  noticeAt: number | null; claimedStart: number | null; claimedEnd: number | null; firstResponseAt: number | null;
  text: string | null; reason: string | null; recordedAt: number; recordedBy: string;
}

const COLS = `report_id id, version, change, customer_id customer, service, reported_at reportedAt, notice_at noticeAt,
  claimed_start claimedStart, claimed_end claimedEnd, first_response_at firstResponseAt, text, reason,
  recorded_at recordedAt, recorded_by recordedBy`;

function fromRow(r: Row): ReportVersion {
  const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  return {
    id: r.id, version: r.version, change: r.change, customer: r.customer, service: r.service, reportedAt: r.reportedAt,
    noticeAt: u(r.noticeAt), claimedStart: u(r.claimedStart), claimedEnd: u(r.claimedEnd),
    firstResponseAt: u(r.firstResponseAt), text: u(r.text), reason: u(r.reason), recordedAt: r.recordedAt, recordedBy: r.recordedBy,
  };
}

/** What the reconciler takes from a report version. */
export function toCoreReport(v: ReportVersion): Report {
  return {
    id: v.id, customer: v.customer, service: v.service, reportedAt: v.reportedAt,
    ...(v.noticeAt !== undefined ? { noticeAt: v.noticeAt } : {}),
    ...(v.claimedStart !== undefined ? { claimedStart: v.claimedStart } : {}),
    ...(v.claimedEnd !== undefined ? { claimedEnd: v.claimedEnd } : {}),
    ...(v.firstResponseAt !== undefined ? { firstResponseAt: v.firstResponseAt } : {}),
  };
}

export class ReportStore {
  private readonly versions;
  // Prepared once: live reconciliation lists a customer's reports at every recompute.
  private readonly listAll;
  private readonly listOf;
  constructor(private readonly db: Db, private readonly audit: Audit, private readonly onChange: (customer: string) => void) {
    this.versions = new Versions(db, { entity: 'report', table: 'report_versions', idColumn: 'report_id', cols: COLS, idPrefix: 'R', fromRow });
    this.listAll = db.prepare(`${this.versions.latestSql} ORDER BY reported_at, report_id`);
    this.listOf = db.prepare(`${this.versions.latestSql} AND customer_id = ? ORDER BY reported_at, report_id`);
  }

  newId(): string { return this.versions.newId(); }
  history(id: string): ReportVersion[] { return this.versions.history(id); }
  latest(id: string): ReportVersion { return this.versions.latest(id); }

  /** Latest versions, of one customer or of all, in order of receipt. */
  list(customer?: string): ReportVersion[] {
    const rows = customer === undefined ? this.listAll.all() : this.listOf.all(customer);
    return (rows as Row[]).map(fromRow);
  }

  /** Appends a version in one transaction with its audit row (version numbers cannot race). */
  append(id: string, change: ReportChange, f: ReportFields, actor: string, now: number, reason?: string): ReportVersion {
    let before: string | null | undefined;
    const v = this.db.transaction(() => {
      const next = this.versions.next(id, change === 'create');
      const version = next.version;
      before = next.before;
      this.db.prepare(`INSERT INTO report_versions (report_id, version, change, customer_id, service, reported_at, notice_at,
        claimed_start, claimed_end, first_response_at, text, reason, recorded_at, recorded_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, version, change, f.customer, f.service, f.reportedAt,
        f.noticeAt ?? null, f.claimedStart ?? null, f.claimedEnd ?? null, f.firstResponseAt ?? null, f.text ?? null,
        reason ?? null, now, actor);
      this.audit.record(now, actor, change, 'report', id, version, reason === undefined ? undefined : { reason });
      return { ...f, id, version, change, reason, recordedAt: now, recordedBy: actor };
    }).immediate();
    this.onChange(f.customer);
    if (before && before !== f.customer) this.onChange(before); // moved to another customer
    return v;
  }
}
