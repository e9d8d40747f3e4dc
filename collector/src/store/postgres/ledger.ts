/**
 * The SLA ledger's tables on PostgreSQL: customer, report, exclusion and
 * authorised-operation versions and the audit trail, append-only (triggers refuse UPDATE, DELETE
 * and TRUNCATE, migrations.ts). Each append writes its audit row in the same
 * transaction, and publishes a change (notify.ts) that other collectors hear
 * once it has committed.
 */
import type pg from 'pg';
import {
  auditValues, CUSTOMER_VERSIONS, customerValues, EXCLUSION_VERSIONS, exclusionValues, fromAuditRow, OPERATION_VERSIONS, operationValues,
  REPORT_VERSIONS, reportValues, type AuditRow, type CustomerRow,
} from '../ledger-rows.ts';
import type { AuditEntity, AuditEntry, CustomerVersion, ExclusionVersion, OperationVersion, ReportVersion } from '../types.ts';
import type { Queryable } from './migrations.ts';
import { publishChange } from './notify.ts';
import { inTransaction } from './tx.ts';
import { Versions } from './versions.ts';

// The SELECT lists, aliased to the row types' keys (ledger-rows.ts), quoted: PostgreSQL folds unquoted identifiers.
const CUSTOMER_COLS = `customer_id customer, version, valid_from "validFrom", spec, source, recorded_at "recordedAt", recorded_by "recordedBy"`;
const REPORT_COLS = `report_id id, version, change, customer_id customer, service, reported_at "reportedAt", notice_at "noticeAt",
  claimed_start "claimedStart", claimed_end "claimedEnd", first_response_at "firstResponseAt", text, reason,
  recorded_at "recordedAt", recorded_by "recordedBy", source, written_report_at "writtenReportAt"`;
const OPERATION_COLS = `operation_id id, version, change, customer_id customer, authorised_at "authorisedAt", first_feedback_at "firstFeedbackAt",
  text, reason, recorded_at "recordedAt", recorded_by "recordedBy"`;
const EXCLUSION_COLS = `exclusion_id id, version, change, customer_id customer, service, start, "end", category, ref, withdrawn,
  reason, recorded_at "recordedAt", recorded_by "recordedBy"`;

export class LedgerTables {
  readonly customers = new Versions(CUSTOMER_VERSIONS, CUSTOMER_COLS);
  readonly reports = new Versions(REPORT_VERSIONS, REPORT_COLS);
  readonly exclusions = new Versions(EXCLUSION_VERSIONS, EXCLUSION_COLS);
  readonly operations = new Versions(OPERATION_VERSIONS, OPERATION_COLS);

  constructor(private readonly pool: pg.Pool) {}

  async customerVersions(db: Queryable = this.pool): Promise<CustomerVersion[]> {
    const r = await db.query<CustomerRow>(`SELECT ${CUSTOMER_COLS} FROM customer_versions ORDER BY customer_id, version`);
    return r.rows.map(CUSTOMER_VERSIONS.fromRow);
  }

  async appendCustomerVersions(entries: readonly { version: CustomerVersion; audit: AuditEntry }[]): Promise<void> {
    await this.append('customer versions', async (c) => {
      for (const { version: v, audit } of entries) {
        await this.customers.expect(c, v.customer, v.version);
        await c.query(`INSERT INTO customer_versions (customer_id, version, valid_from, spec, source, recorded_at, recorded_by)
          VALUES ($1, $2, $3, $4, $5, $6, $7)`, customerValues(v))
          .catch((e: unknown) => { throw this.customers.conflictOf(e, v.customer, v.version); });
        await writeAudit(c, audit);
      }
      // One customer: its id; several (a config sync): everything.
      await publishChange(c, { customerId: entries.length === 1 ? entries[0]!.version.customer : null });
    });
  }

  latestReports(customer?: string, db: Queryable = this.pool): Promise<ReportVersion[]> {
    return customer === undefined ? this.reports.latest(db, 'true', [], 'reported_at, report_id')
      : this.reports.latest(db, 'customer_id = $1', [customer], 'reported_at, report_id');
  }

  async appendReport(v: ReportVersion, audit: AuditEntry): Promise<void> {
    await this.append(`report ${v.id}`, (c) => this.appendReportIn(c, v, audit));
  }

  /** appendReport inside the caller's transaction (a notice's receipt, deliveries.ts). */
  async appendReportIn(c: Queryable, v: ReportVersion, audit: AuditEntry): Promise<void> {
    await this.reports.expect(c, v.id, v.version);
    await c.query(`INSERT INTO report_versions (report_id, version, change, customer_id, service, reported_at, notice_at,
      claimed_start, claimed_end, first_response_at, text, reason, recorded_at, recorded_by, source, written_report_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, reportValues(v))
      .catch((e: unknown) => { throw this.reports.conflictOf(e, v.id, v.version); });
    await writeAudit(c, audit);
    await publishChange(c, { customerId: v.customer });
  }

  latestExclusions(customer?: string, db: Queryable = this.pool): Promise<ExclusionVersion[]> {
    return customer === undefined ? this.exclusions.latest(db, 'true', [], 'start, exclusion_id')
      : this.exclusions.latest(db, 'customer_id IS NULL OR customer_id = $1', [customer], 'start, exclusion_id');
  }

  async appendExclusion(v: ExclusionVersion, audit: AuditEntry): Promise<void> {
    await this.append(`exclusion ${v.id}`, async (c) => {
      await this.exclusions.expect(c, v.id, v.version);
      await c.query(`INSERT INTO exclusion_versions (exclusion_id, version, change, customer_id, service, start, "end", category, ref,
        withdrawn, reason, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, exclusionValues(v))
        .catch((e: unknown) => { throw this.exclusions.conflictOf(e, v.id, v.version); });
      await writeAudit(c, audit);
      await publishChange(c, { customerId: v.customer ?? null });
    });
  }

  latestOperations(customer?: string): Promise<OperationVersion[]> {
    return customer === undefined ? this.operations.latest(this.pool, 'true', [], 'authorised_at, operation_id')
      : this.operations.latest(this.pool, 'customer_id = $1', [customer], 'authorised_at, operation_id');
  }

  async appendOperation(v: OperationVersion, audit: AuditEntry): Promise<void> {
    await this.append(`operation ${v.id}`, async (c) => {
      await this.operations.expect(c, v.id, v.version);
      await c.query(`INSERT INTO operation_versions (operation_id, version, change, customer_id, authorised_at, first_feedback_at, text,
        reason, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, operationValues(v))
        .catch((e: unknown) => { throw this.operations.conflictOf(e, v.id, v.version); });
      await writeAudit(c, audit);
      await publishChange(c, { customerId: v.customer });
    });
  }

  async audit(entity: AuditEntity, entityId: string): Promise<AuditEntry[]> {
    const r = await this.pool.query<AuditRow>(`SELECT at, actor, action, entity, entity_id "entityId",
      version, detail FROM audit WHERE entity = $1 AND entity_id = $2 ORDER BY id`, [entity, entityId]);
    return r.rows.map(fromAuditRow);
  }

  private append(what: string, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    return inTransaction(this.pool, `append of ${what}`, fn);
  }
}

async function writeAudit(c: Queryable, a: AuditEntry): Promise<void> {
  await c.query('INSERT INTO audit (at, actor, action, entity, entity_id, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', auditValues(a));
}
