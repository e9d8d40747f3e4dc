/**
 * The statement as a printable document: the month's report page (the same
 * page the NOC and the customer see live) with a statement section in front:
 * which statement and revision, what it revises and what changed and why, the
 * digests of the CSV and scenario export issued with it, the key that signs
 * them, and the customer's own words for each report. Everything taken from
 * a person (names, report texts, reasons) is escaped: it prints as text.
 */
import { DcprobeError, E, formatInstant } from '@dcprobe/shared';
import { esc, shortTime } from '../lib/html.ts';
import type { Change } from './diff.ts';

export interface StatementCover {
  statementId: string;
  revision: number;
  customer: string;
  customerName?: string | undefined;
  month: string;
  timezone: string;
  issuedAt: number;
  asOf: number;
  /** What the customer wrote for each report listed in the month. */
  reportTexts: readonly { id: string; text: string }[];
  revises?: { statementId: string; reason: string; changes: readonly Change[] } | undefined;
  /** SHA-256 (hex) of the files issued with the PDF, and the signing key's id. */
  evidence: { csvSha256: string; scenarioSha256: string; keyId: string | null };
}

const CSS = `
section.statement { border: 2px solid #333; padding: 8px 12px; margin: 12px 0; }
section.statement h2 { margin-top: 0; border: 0; }
section.statement code { font-size: 11px; word-break: break-all; }
td.words { white-space: pre-wrap; }
`;

/** Puts the statement section in front of the page's main content. */
export function statementHtml(pageHtml: string, c: StatementCover): string {
  const at = pageHtml.indexOf('<main>');
  if (at < 0 || pageHtml.indexOf('<main>', at + 1) >= 0) throw new DcprobeError(E.RENDER_FAILED, 'statement: the page must have exactly one <main>');
  const styled = pageHtml.replace('</head>', `<style>${CSS}</style></head>`);
  const i = styled.indexOf('<main>');
  return `${styled.slice(0, i)}${cover(c)}${styled.slice(i)}`;
}

function cover(c: StatementCover): string {
  const t = (ms: number) => esc(shortTime(formatInstant(ms, c.timezone)));
  const rows = c.reportTexts.map((r) => `<tr><th scope="row">${esc(r.id)}</th><td class="words">${esc(r.text)}</td></tr>`).join('');
  return `<section class="statement" data-statement="${esc(c.statementId)}">
<h2>Statement <span data-figure="statement" data-value="${esc(c.statementId)}">${esc(c.statementId)}</span>${c.revision > 0 ? ` (revision ${c.revision})` : ''}</h2>
<p>${esc(c.customerName ?? c.customer)} (${esc(c.customer)}), month ${esc(c.month)} in ${esc(c.timezone)}. Frozen as of ${t(c.asOf)}, issued ${t(c.issuedAt)}.</p>
${c.revises ? revision(c.revises) : ''}
<table class="evidence"><caption>Issued with this statement</caption><tbody>
<tr><th scope="row">CSV, SHA-256</th><td><code>${esc(c.evidence.csvSha256)}</code></td></tr>
<tr><th scope="row">Scenario export, SHA-256</th><td><code>${esc(c.evidence.scenarioSha256)}</code></td></tr>
<tr><th scope="row">Signed with key</th><td><code>${esc(c.evidence.keyId ?? 'unsigned')}</code></td></tr>
</tbody></table>
<p class="meta">Check the files with <code>dcprobe-collector verify MANIFEST.json --public-key PROVIDER.pem</code>: it recomputes the minutes from the scenario export.</p>
<table class="words"><caption>The reports in the customer's words</caption><tbody>${rows || '<tr><td colspan="2">No report reaches into this month.</td></tr>'}</tbody></table>
</section>
`;
}

function revision(r: NonNullable<StatementCover['revises']>): string {
  const rows = r.changes.map((x) => `<tr><td><code>${esc(x.path)}</code></td><td>${esc(x.before ?? '—')}</td><td>${esc(x.after ?? '—')}</td></tr>`).join('');
  return `<p>Revises <span data-figure="revises" data-value="${esc(r.statementId)}">${esc(r.statementId)}</span>. Reason: <span class="reason">${esc(r.reason)}</span></p>
<table class="changes"><caption>What changed (${r.changes.length})</caption><thead><tr><th>Figure</th><th>Before</th><th>After</th></tr></thead><tbody>${rows}</tbody></table>`;
}
