/**
 * The SLA ledger's tables as both stores read and write them: each table's
 * row (the keys its SELECT list aliases the columns to), how a row decodes
 * into the version the store's interface returns and how a version encodes
 * into an INSERT's values, and the check an append makes against the latest
 * stored version. Kept in one place so SQLite and PostgreSQL cannot store or
 * read the same entry differently. What stays in each store is its SQL: the
 * SELECT lists themselves (PostgreSQL folds unquoted identifiers, so its
 * camelCase aliases are quoted), statements, transactions.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type { CustomerConfig } from '../config.ts';
import { stableJson } from '../lib/stable-json.ts';
import type { ExclusionCategory, Service } from '../sla/types.ts';
import type {
  AuditEntry, CustomerVersion, ExclusionChange, ExclusionVersion, OperationChange, OperationVersion, ReportChange, ReportSource,
  ReportVersion,
} from './types.ts';

export interface CustomerRow { customer: string; version: number; validFrom: number; spec: string; source: 'config' | 'api'; recordedAt: number; recordedBy: string }

export interface ReportRow {
  id: string; version: number; change: ReportChange; customer: string; service: Service; reportedAt: number;
  noticeAt: number | null; claimedStart: number | null; claimedEnd: number | null; firstResponseAt: number | null;
  text: string | null; reason: string | null; recordedAt: number; recordedBy: string; source: ReportSource; writtenReportAt: number | null;
}

export interface OperationRow {
  id: string; version: number; change: OperationChange; customer: string; authorisedAt: number; firstFeedbackAt: number | null;
  text: string | null; reason: string | null; recordedAt: number; recordedBy: string;
}

export interface ExclusionRow {
  id: string; version: number; change: ExclusionChange; customer: string | null; service: Service | null;
  start: number; end: number; category: ExclusionCategory; ref: string; withdrawn: number;
  reason: string | null; recordedAt: number; recordedBy: string;
}

export type AuditRow = Omit<AuditEntry, 'detail'> & { detail: string | null };

const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

const fromCustomerRow = (r: CustomerRow): CustomerVersion => ({ ...r, spec: JSON.parse(r.spec) as CustomerConfig });

const fromReportRow = (r: ReportRow): ReportVersion => ({
  id: r.id, version: r.version, change: r.change, customer: r.customer, service: r.service, reportedAt: r.reportedAt,
  noticeAt: u(r.noticeAt), claimedStart: u(r.claimedStart), claimedEnd: u(r.claimedEnd),
  firstResponseAt: u(r.firstResponseAt), writtenReportAt: u(r.writtenReportAt), text: u(r.text), reason: u(r.reason),
  recordedAt: r.recordedAt, recordedBy: r.recordedBy, source: r.source,
});

const fromOperationRow = (r: OperationRow): OperationVersion => ({
  id: r.id, version: r.version, change: r.change, customer: r.customer, authorisedAt: r.authorisedAt,
  firstFeedbackAt: u(r.firstFeedbackAt), text: u(r.text), reason: u(r.reason), recordedAt: r.recordedAt, recordedBy: r.recordedBy,
});

const fromExclusionRow = (r: ExclusionRow): ExclusionVersion => ({
  id: r.id, version: r.version, change: r.change, customer: u(r.customer), service: u(r.service),
  start: r.start, end: r.end, category: r.category, ref: r.ref, withdrawn: r.withdrawn === 1,
  reason: u(r.reason), recordedAt: r.recordedAt, recordedBy: r.recordedBy,
});

export const fromAuditRow = (r: AuditRow): AuditEntry => ({ ...r, detail: r.detail === null ? undefined : JSON.parse(r.detail) as unknown });

/**
 * What the versioned ledger tables share (migration 2): append-only rows
 * under a text id, read as an id's history or the latest version of each id.
 */
export interface VersionedTable<R, V> {
  /** e.g. 'report': names the entity in errors. */
  entity: string;
  table: string;
  idColumn: string;
  fromRow: (r: R) => V;
}

export const CUSTOMER_VERSIONS: VersionedTable<CustomerRow, CustomerVersion> = { entity: 'customer', table: 'customer_versions', idColumn: 'customer_id', fromRow: fromCustomerRow };
export const REPORT_VERSIONS: VersionedTable<ReportRow, ReportVersion> = { entity: 'report', table: 'report_versions', idColumn: 'report_id', fromRow: fromReportRow };
export const EXCLUSION_VERSIONS: VersionedTable<ExclusionRow, ExclusionVersion> = { entity: 'exclusion', table: 'exclusion_versions', idColumn: 'exclusion_id', fromRow: fromExclusionRow };
export const OPERATION_VERSIONS: VersionedTable<OperationRow, OperationVersion> = { entity: 'operation', table: 'operation_versions', idColumn: 'operation_id', fromRow: fromOperationRow };

/**
 * Refuses (E.CONFLICT) an append of `version` unless it follows `latest`, the
 * id's latest stored version read in the append's own write transaction (0: none),
 * so a concurrent writer's change is never silently overwritten.
 */
export function expectNextVersion<R, V>(t: VersionedTable<R, V>, id: string, latest: number, version: number): void {
  if (latest === version - 1) return;
  throw new DcprobeError(E.CONFLICT, latest === 0
    ? `${t.entity} ${JSON.stringify(id)} has no version ${version - 1}`
    : `${t.entity} ${JSON.stringify(id)} is at version ${latest}, not ${version - 1}: it changed meanwhile`);
}

// Each version's INSERT values, in the order of the columns both stores' INSERTs name.

/** customer_id, version, valid_from, spec, source, recorded_at, recorded_by. */
export const customerValues = (v: CustomerVersion): unknown[] => [
  // Keys sorted: an unchanged spec is the same text.
  v.customer, v.version, v.validFrom, stableJson(v.spec), v.source, v.recordedAt, v.recordedBy,
];

/**
 * report_id, version, change, customer_id, service, reported_at, notice_at, claimed_start, claimed_end,
 * first_response_at, text, reason, recorded_at, recorded_by, source, written_report_at.
 */
export const reportValues = (v: ReportVersion): unknown[] => [
  v.id, v.version, v.change, v.customer, v.service, v.reportedAt, v.noticeAt ?? null, v.claimedStart ?? null,
  v.claimedEnd ?? null, v.firstResponseAt ?? null, v.text ?? null, v.reason ?? null, v.recordedAt, v.recordedBy, v.source ?? 'noc',
  v.writtenReportAt ?? null,
];

/** exclusion_id, version, change, customer_id, service, start, end, category, ref, withdrawn, reason, recorded_at, recorded_by. */
export const exclusionValues = (v: ExclusionVersion): unknown[] => [
  v.id, v.version, v.change, v.customer ?? null, v.service ?? null, v.start, v.end, v.category, v.ref,
  v.withdrawn ? 1 : 0, v.reason ?? null, v.recordedAt, v.recordedBy,
];

/** operation_id, version, change, customer_id, authorised_at, first_feedback_at, text, reason, recorded_at, recorded_by. */
export const operationValues = (v: OperationVersion): unknown[] => [
  v.id, v.version, v.change, v.customer, v.authorisedAt, v.firstFeedbackAt ?? null, v.text ?? null,
  v.reason ?? null, v.recordedAt, v.recordedBy,
];

/** at, actor, action, entity, entity_id, version, detail. */
export const auditValues = (a: AuditEntry): unknown[] => [
  a.at, a.actor, a.action, a.entity, a.entityId, a.version, a.detail === undefined ? null : JSON.stringify(a.detail),
];
