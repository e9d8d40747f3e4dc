/**
 * Customer reports (tickets) as versions: creation, corrections and the
 * restoration notice each append a version; the latest version is what the
 * reconciler sees, and the whole history stays readable.
 */
import { randomBytes } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Db } from '../store/db.ts';
import type { Report, Service } from '../sla/types.ts';
import type { Audit } from './audit.ts';

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

const LATEST = `SELECT ${COLS} FROM report_versions r
  WHERE version = (SELECT max(version) FROM report_versions i WHERE i.report_id = r.report_id)`;

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
  // Prepared once: live reconciliation lists a customer's reports at every recompute.
  private readonly listAll;
  private readonly listOf;
  constructor(private readonly db: Db, private readonly audit: Audit, private readonly onChange: (customer: string) => void) {
    this.listAll = db.prepare(`${LATEST} ORDER BY reported_at, report_id`);
    this.listOf = db.prepare(`${LATEST} AND customer_id = ? ORDER BY reported_at, report_id`);
  }

  newId(): string { return `R-${randomBytes(5).toString('hex')}`; }

  history(id: string): ReportVersion[] {
    return (this.db.prepare(`SELECT ${COLS} FROM report_versions WHERE report_id = ? ORDER BY version`).all(id) as Row[]).map(fromRow);
  }

  latest(id: string): ReportVersion {
    const r = this.db.prepare(`${LATEST} AND report_id = ?`).get(id) as Row | undefined;
    if (!r) throw new DcprobeError(E.NOT_FOUND, `unknown report ${JSON.stringify(id)}`);
    return fromRow(r);
  }

  /** Latest versions, of one customer or of all, in order of receipt. */
  list(customer?: string): ReportVersion[] {
    const rows = customer === undefined ? this.listAll.all() : this.listOf.all(customer);
    return (rows as Row[]).map(fromRow);
  }

  /** Appends a version in one transaction with its audit row (version numbers cannot race). */
  append(id: string, change: ReportChange, f: ReportFields, actor: string, now: number, reason?: string): ReportVersion {
    let before: string | null | undefined;
    const v = this.db.transaction(() => {
      const prev = this.db.prepare(`SELECT max(version) FROM report_versions WHERE report_id = ?`).pluck().get(id) as number | null;
      before = prev === null ? undefined : this.db.prepare(`SELECT customer_id FROM report_versions WHERE report_id = ? AND version = ?`).pluck().get(id, prev) as string | null;
      if (change === 'create' && prev !== null) throw new DcprobeError(E.VALIDATION, `id: report ${JSON.stringify(id)} already exists (correct it with PUT)`);
      if (change !== 'create' && prev === null) throw new DcprobeError(E.NOT_FOUND, `unknown report ${JSON.stringify(id)}`);
      const version = (prev ?? 0) + 1;
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
