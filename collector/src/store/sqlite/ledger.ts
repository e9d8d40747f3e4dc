/**
 * The SLA ledger's tables (migration 2): customer, report and exclusion
 * versions and the audit trail, append-only (triggers refuse UPDATE and
 * DELETE). Each append writes its audit row in the same transaction.
 */
import {
  auditValues, CUSTOMER_VERSIONS, customerValues, EXCLUSION_VERSIONS, exclusionValues, fromAuditRow, OPERATION_VERSIONS, operationValues,
  REPORT_VERSIONS, reportValues, type AuditRow, type CustomerRow, type ExclusionRow, type OperationRow, type ReportRow,
} from '../ledger-rows.ts';
import type { AuditEntity, AuditEntry, CustomerVersion, ExclusionVersion, OperationVersion, ReportVersion } from '../types.ts';
import type { Db } from './db.ts';
import { Versions } from './versions.ts';
import { ChainWriter } from './chain.ts';

// The SELECT lists, aliased to the row types' keys (ledger-rows.ts).
const CUSTOMER_COLS = `customer_id customer, version, valid_from validFrom, spec, source, recorded_at recordedAt, recorded_by recordedBy`;
const REPORT_COLS = `report_id id, version, change, customer_id customer, service, reported_at reportedAt, notice_at noticeAt,
  claimed_start claimedStart, claimed_end claimedEnd, first_response_at firstResponseAt, text, reason,
  recorded_at recordedAt, recorded_by recordedBy, source, written_report_at writtenReportAt`;
const OPERATION_COLS = `operation_id id, version, change, customer_id customer, authorised_at authorisedAt, first_feedback_at firstFeedbackAt,
  text, reason, recorded_at recordedAt, recorded_by recordedBy`;
const EXCLUSION_COLS = `exclusion_id id, version, change, customer_id customer, service, start, end, category, ref, withdrawn,
  reason, recorded_at recordedAt, recorded_by recordedBy`;

export class LedgerTables {
  readonly customers;
  readonly reports;
  readonly exclusions;
  readonly operations;
  // Prepared once: live reconciliation lists a customer's reports and exclusions at every recompute.
  readonly reportsOf;
  readonly exclusionsOf;
  private readonly allReports;
  private readonly allExclusions;
  private readonly allOperations;
  private readonly operationsOf;
  private readonly insOperation;
  private readonly insCustomer;
  private readonly insReport;
  private readonly insExclusion;
  private readonly insAudit;
  private readonly chain: ChainWriter;

  constructor(private readonly db: Db) {
    this.chain = new ChainWriter(db);
    this.customers = new Versions(db, CUSTOMER_VERSIONS, CUSTOMER_COLS);
    this.reports = new Versions(db, REPORT_VERSIONS, REPORT_COLS);
    this.exclusions = new Versions(db, EXCLUSION_VERSIONS, EXCLUSION_COLS);
    this.operations = new Versions(db, OPERATION_VERSIONS, OPERATION_COLS);
    this.allOperations = db.prepare(`${this.operations.latestSql} ORDER BY authorised_at, operation_id`);
    this.operationsOf = db.prepare(`${this.operations.latestSql} AND customer_id = ? ORDER BY authorised_at, operation_id`);
    this.insOperation = db.prepare(`INSERT INTO operation_versions (operation_id, version, change, customer_id, authorised_at, first_feedback_at,
      text, reason, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.allReports = db.prepare(`${this.reports.latestSql} ORDER BY reported_at, report_id`);
    this.reportsOf = db.prepare(`${this.reports.latestSql} AND customer_id = ? ORDER BY reported_at, report_id`);
    this.allExclusions = db.prepare(`${this.exclusions.latestSql} ORDER BY start, exclusion_id`);
    this.exclusionsOf = db.prepare(`${this.exclusions.latestSql} AND (customer_id IS NULL OR customer_id = ?) ORDER BY start, exclusion_id`);
    this.insCustomer = db.prepare(`INSERT INTO customer_versions (customer_id, version, valid_from, spec, source, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.insReport = db.prepare(`INSERT INTO report_versions (report_id, version, change, customer_id, service, reported_at, notice_at,
      claimed_start, claimed_end, first_response_at, text, reason, recorded_at, recorded_by, source, written_report_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insExclusion = db.prepare(`INSERT INTO exclusion_versions (exclusion_id, version, change, customer_id, service, start, end, category, ref,
      withdrawn, reason, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insAudit = db.prepare(`INSERT INTO audit (at, actor, action, entity, entity_id, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  customerVersions(): CustomerVersion[] {
    return (this.db.prepare(`SELECT ${CUSTOMER_COLS} FROM customer_versions ORDER BY customer_id, version`).all() as CustomerRow[]).map(CUSTOMER_VERSIONS.fromRow);
  }

  appendCustomerVersions(entries: readonly { version: CustomerVersion; audit: AuditEntry }[]): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['customer_versions', 'audit']);
      for (const { version: v, audit } of entries) {
        this.customers.expect(v.customer, v.version);
        this.insCustomer.run(customerValues(v));
        this.writeAudit(audit);
      }
      this.chain.seal(sealed);
    }).immediate();
  }

  latestReports(customer?: string): ReportVersion[] {
    return ((customer === undefined ? this.allReports.all() : this.reportsOf.all(customer)) as ReportRow[]).map(REPORT_VERSIONS.fromRow);
  }

  appendReport(v: ReportVersion, audit: AuditEntry): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['report_versions', 'audit']);
      this.reports.expect(v.id, v.version);
      this.insReport.run(reportValues(v));
      this.writeAudit(audit);
      this.chain.seal(sealed);
    }).immediate();
  }

  latestExclusions(customer?: string): ExclusionVersion[] {
    return ((customer === undefined ? this.allExclusions.all() : this.exclusionsOf.all(customer)) as ExclusionRow[]).map(EXCLUSION_VERSIONS.fromRow);
  }

  appendExclusion(v: ExclusionVersion, audit: AuditEntry): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['exclusion_versions', 'audit']);
      this.exclusions.expect(v.id, v.version);
      this.insExclusion.run(exclusionValues(v));
      this.writeAudit(audit);
      this.chain.seal(sealed);
    }).immediate();
  }

  latestOperations(customer?: string): OperationVersion[] {
    return ((customer === undefined ? this.allOperations.all() : this.operationsOf.all(customer)) as OperationRow[]).map(OPERATION_VERSIONS.fromRow);
  }

  appendOperation(v: OperationVersion, audit: AuditEntry): void {
    this.db.transaction(() => {
      const sealed = this.chain.mark(['operation_versions', 'audit']);
      this.operations.expect(v.id, v.version);
      this.insOperation.run(operationValues(v));
      this.writeAudit(audit);
      this.chain.seal(sealed);
    }).immediate();
  }

  audit(entity: AuditEntity, entityId: string): AuditEntry[] {
    const rows = this.db.prepare(`SELECT at, actor, action, entity, entity_id entityId, version, detail FROM audit
      WHERE entity = ? AND entity_id = ? ORDER BY id`).all(entity, entityId) as AuditRow[];
    return rows.map(fromAuditRow);
  }

  private writeAudit(a: AuditEntry): void {
    this.insAudit.run(auditValues(a));
  }
}
