/**
 * A frozen statement as files: the PDF, the CSV, the scenario export (the
 * month's input, which `dcprobe-collector reconcile` turns back into the
 * figures) and a manifest listing each file with its size and SHA-256. The
 * scenario export and the manifest carry a sealed evidence block (evidence/seal.ts)
 * with the figures as issued. A revision is a new statement whose manifest
 * names the one it revises (by id and manifest digest), the reason, and what
 * changed; the statement it revises is never touched.
 */
import { createHash } from 'node:crypto';
import { formatInstant } from '@dcprobe/shared';
import { figuresOf } from '../evidence/figures.ts';
import type { Signer } from '../evidence/keys.ts';
import { seal, type Evidence, type JsonObject } from '../evidence/seal.ts';
import { toCsv } from '../sla/csv.ts';
import { reconcile } from '../sla/reconcile.ts';
import { toScenario } from '../sla/to-scenario.ts';
import type { ReconcileInput, ReconcileResult } from '../sla/types.ts';
import type { Change } from './diff.ts';

export const STATEMENT_FORMAT = 'dcprobe-statement/1';

export interface StatementFile { name: string; mediaType: string; bytes: Buffer; sha256: string }

export function fileOf(name: string, mediaType: string, bytes: Buffer): StatementFile {
  return { name, mediaType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function statementId(customer: string, month: string, revision: number): string {
  return `ST-${customer}-${month}-r${revision}`;
}

/** File names of one statement: its id plus the kind, so a folder of statements sorts by customer and month. */
export function statementNames(id: string): { pdf: string; csv: string; scenario: string; manifest: string } {
  return { pdf: `${id}.pdf`, csv: `${id}.csv`, scenario: `${id}.scenario.json`, manifest: `${id}.manifest.json` };
}

export interface IssueOptions { issuedAt: number; timezone: string; issuer?: string | undefined; signer?: Signer | undefined }

/** The month's result and the two data files (CSV, sealed scenario export) of one customer's statement. */
export function statementData(id: string, input: ReconcileInput, o: IssueOptions): { result: ReconcileResult; csv: StatementFile; scenario: StatementFile } {
  const result = reconcile(input);
  const names = statementNames(id);
  const scenario = seal(toScenario(input), {
    issuedAt: formatInstant(o.issuedAt, o.timezone), figures: figuresOf(result),
    ...(o.issuer !== undefined ? { issuer: o.issuer } : {}), ...(o.signer ? { signer: o.signer } : {}),
  });
  return {
    result,
    csv: fileOf(names.csv, 'text/csv; charset=utf-8', Buffer.from(toCsv(result), 'utf8')),
    scenario: fileOf(names.scenario, 'application/json', Buffer.from(`${JSON.stringify(scenario, null, 2)}\n`, 'utf8')),
  };
}

export interface Revises { statementId: string; manifestDigest: string; reason: string; changes: readonly Change[] }

export interface ManifestInput {
  statementId: string;
  revision: number;
  customer: string;
  month: string;
  timezone: string;
  asOf: number;
  result: ReconcileResult;
  files: readonly StatementFile[];
  revises?: Revises | undefined;
}

/** The sealed manifest as a file, and its evidence (whose digest a revision will cite). */
export function statementManifest(m: ManifestInput, o: IssueOptions): { file: StatementFile; evidence: Evidence } {
  const doc: JsonObject = {
    format: STATEMENT_FORMAT, statement: m.statementId, revision: m.revision, customer: m.customer, month: m.month,
    timezone: m.timezone, asOf: formatInstant(m.asOf, m.timezone),
    files: m.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.bytes.length, sha256: f.sha256 })),
    revises: m.revises ? { statement: m.revises.statementId, manifestDigest: m.revises.manifestDigest, reason: m.revises.reason, changes: m.revises.changes.map((c) => ({ ...c })) } : null,
  };
  const sealed = seal(doc, {
    issuedAt: formatInstant(o.issuedAt, o.timezone), figures: figuresOf(m.result),
    ...(o.issuer !== undefined ? { issuer: o.issuer } : {}), ...(o.signer ? { signer: o.signer } : {}),
  });
  return { file: fileOf(statementNames(m.statementId).manifest, 'application/json', Buffer.from(`${JSON.stringify(sealed, null, 2)}\n`, 'utf8')), evidence: sealed.evidence };
}
