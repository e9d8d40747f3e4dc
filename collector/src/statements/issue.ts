/**
 * Issuing one customer's statement for a month: the result and the data
 * files, the page with its statement section rendered to PDF, and the sealed
 * manifest over all three. The page and the renderer are passed in (the
 * report page of report/page.ts and render-pdf.ts in the collector; the same
 * in tests), so this orchestration holds no I/O of its own.
 * A revision is issued the same way, with the statement it revises and that
 * statement's result: what changed is the diff of the two results.
 */
import type { ReconcileInput, ReconcileResult } from '../sla/types.ts';
import { fileOf, statementData, statementId, statementManifest, statementNames, type IssueOptions, type StatementFile } from './artefact.ts';
import { diffResults } from './diff.ts';
import { statementHtml } from './page.ts';

export interface IssueInput {
  customer: string;
  customerName?: string | undefined;
  month: string;
  /** The frozen input: one customer, the month, asOf = when it was frozen. */
  input: ReconcileInput;
  revision: number;
  revises?: { statementId: string; manifestDigest: string; reason: string; result: ReconcileResult } | undefined;
  reportTexts: readonly { id: string; text: string }[];
  /** The month's report page for this input and its result. */
  page: (result: ReconcileResult) => string;
  /** HTML to PDF bytes. */
  render: (html: string) => Promise<Buffer>;
}

export interface IssuedStatement {
  statementId: string;
  result: ReconcileResult;
  /** PDF, CSV, scenario export, manifest: in that order. */
  files: StatementFile[];
  /** The manifest's evidence digest: what a later revision cites. */
  manifestDigest: string;
}

export async function issueStatement(s: IssueInput, o: IssueOptions): Promise<IssuedStatement> {
  const id = statementId(s.customer, s.month, s.revision);
  const { result, csv, scenario } = statementData(id, s.input, o);
  const changes = s.revises ? diffResults(s.revises.result, result) : [];
  const html = statementHtml(s.page(result), {
    statementId: id, revision: s.revision, customer: s.customer, customerName: s.customerName, month: s.month, timezone: o.timezone,
    issuedAt: o.issuedAt, asOf: s.input.asOf, reportTexts: s.reportTexts,
    revises: s.revises ? { statementId: s.revises.statementId, reason: s.revises.reason, changes } : undefined,
    evidence: { csvSha256: csv.sha256, scenarioSha256: scenario.sha256, keyId: o.signer?.keyId ?? null },
  });
  const pdf = fileOf(statementNames(id).pdf, 'application/pdf', await s.render(html));
  const manifest = statementManifest({
    statementId: id, revision: s.revision, customer: s.customer, month: s.month, timezone: o.timezone, asOf: s.input.asOf,
    result, files: [pdf, csv, scenario],
    revises: s.revises ? { statementId: s.revises.statementId, manifestDigest: s.revises.manifestDigest, reason: s.revises.reason, changes } : undefined,
  }, o);
  return { statementId: id, result, files: [pdf, csv, scenario, manifest.file], manifestDigest: manifest.evidence.digest };
}
