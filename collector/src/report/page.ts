/**
 * The printable dispute page for one customer and month: the same result as
 * `/api/v1/customers/{id}/sla` (one `reconcile` on the live input), shown as a
 * timeline, the month's minutes, each report's verdict and ticket timers, the
 * allowance and whether the fee is waived. Every figure sits in an element with
 * `data-figure` (and `data-service`, `data-report`) and its exact value in
 * `data-value`, so tests and scripts read what people read.
 */
import { formatInstant, parseInstant } from '@dcprobe/shared';
import type { ReconcileInput, ReconcileResult, ReportResult, ServiceResult, TimerResult } from '../sla/types.ts';
import type { ExclusionVersion } from '../ledger/exclusions.ts';
import type { Tenure } from '../ledger/customers.ts';
import { duration, esc, figure, shortTime } from '../lib/html.ts';
import type { PortStatus } from '../ledger/ports.ts';
import { ticketTimers } from '../ledger/timers.ts';
import { timelineSvg } from './timeline-svg.ts';
import { portsTables } from './ports.ts';
import { PAGE_CSS } from './style.ts';

export interface PageData {
  customer: string;
  name?: string | undefined;
  month: string;
  input: ReconcileInput;
  result: ReconcileResult;
  /** Customer versions in force during the month (which ports, uplinks, feeds when). */
  tenures: readonly Tenure[];
  /** Who entered each exclusion, by id. */
  exclusionVersions: readonly ExclusionVersion[];
  generatedAt: number;
  /** The customer's ports and uplinks with their states (ledger/ports.ts); shown in the network section. */
  ports?: readonly PortStatus[] | undefined;
  /** The customer's report form (form.ts), already rendered; shown below the figures. */
  form?: string | undefined;
  /**
   * The month's reports in the customer's own words (the live page; a statement
   * prints its own table of them). Shown as text: whatever was typed, markup or
   * a formula included, is escaped.
   */
  reportTexts?: readonly { id: string; text: string }[] | undefined;
}

const MINUTES: [keyof ServiceResult, string][] = [
  ['measuredSeconds', 'Measured outage'], ['claimedSeconds', 'Claimed by the customer'], ['countableSeconds', 'Countable (contract)'],
  ['excludedSeconds', 'Excluded'], ['disputedSeconds', 'Disputed (claimed, not countable)'], ['allowedSeconds', 'Allowed this month'],
];

function timerCell(service: string, report: string, name: string, t: TimerResult): string {
  const state = t.met === null ? 'running' : t.met ? 'met' : 'missed';
  return `<td class="timer ${state}" data-service="${esc(service)}" data-report="${esc(report)}" data-figure="${name}" data-value="${state}">`
    + `${state === 'missed' ? '⚠ missed' : state}<br><small>due ${esc(shortTime(t.due))}${t.at ? `, at ${esc(shortTime(t.at))}` : ''}</small></td>`;
}

/** The written-report timer: the ledger's, as the reconciler's results (frozen in statements) do not carry it. */
function writtenReportCell(service: string, r: ReportResult, input: ReconcileInput, tz: string): string {
  const rep = input.reports.find((x) => x.id === r.id);
  if (!rep) return '<td></td>';
  const t = ticketTimers(rep, input.asOf, tz).writtenReport;
  return timerCell(service, r.id, 'writtenReport', { due: t.due, at: t.at, met: t.met });
}

function reportRow(service: string, r: ReportResult, input: ReconcileInput, tz: string): string {
  const f = (name: keyof ReportResult, v: number) => `<td data-service="${esc(service)}" data-report="${esc(r.id)}" data-figure="${name}" data-value="${v}">${esc(duration(v))}</td>`;
  return `<tr data-report="${esc(r.id)}"><th scope="row">${esc(r.id)}</th>`
    + `<td>${esc(shortTime(r.reportedAt))}</td><td>${r.open ? '<span class="open">open</span>' : esc(shortTime(r.noticeAt))}</td>`
    + `<td>${esc(shortTime(r.claimedStart))} – ${esc(shortTime(r.claimedEnd))}</td>`
    + `<td class="verdict ${esc(r.verdict)}" data-service="${esc(service)}" data-report="${esc(r.id)}" data-figure="verdict" data-value="${esc(r.verdict)}">${esc(r.verdict.replace('_', ' '))}${r.basis ? ` <small>(${esc(r.basis)})</small>` : ''}</td>`
    + f('countableSeconds', r.countableSeconds) + f('excludedSeconds', r.excludedSeconds) + f('claimedSeconds', r.claimedSeconds) + f('measuredSeconds', r.measuredSeconds)
    + timerCell(service, r.id, 'firstResponse', r.timers.firstResponse) + writtenReportCell(service, r, input, tz)
    + timerCell(service, r.id, 'resolution', r.timers.resolution) + '</tr>';
}

function serviceSection(d: PageData, service: 'network' | 'power', s: ServiceResult, tz: string): string {
  const exclusions = d.input.exclusions.filter((x) => x.service === undefined || x.service === service);
  const who = new Map(d.exclusionVersions.map((v) => [v.id, v]));
  const verdict = s.breached
    ? `<p class="verdict-line breached" data-service="${service}" data-figure="feeWaived" data-value="true">Target missed: the month's fee is waived.</p>`
    : `<p class="verdict-line ok" data-service="${service}" data-figure="feeWaived" data-value="false">Within target: the fee is not waived.</p>`;
  const minutes = MINUTES.map(([k, label]) => `<tr><th scope="row">${esc(label)}</th>${figure(service, k, s[k] as number, duration(s[k] as number))}<td class="num">${esc(s[k] as number)} s</td></tr>`).join('');
  const coverage = s.coverage === null ? '—' : `${(s.coverage * 100).toFixed(3)} %`;
  return `<section class="service" data-service="${service}">
<h2>${service === 'network' ? 'Network' : 'Power'} <small>target ${esc((s.target * 100).toFixed(s.target >= 0.9999 ? 2 : 1))} %${s.maxDowntimeMinutes !== null ? `, under ${esc(s.maxDowntimeMinutes)} min` : ''}</small></h2>
${verdict}
${timelineSvg({ service, month: d.month, timezone: tz, asOf: d.input.asOf, result: s, exclusions })}
<p class="legend"><span class="k up"></span>up <span class="k down"></span>down <span class="k unknown"></span>unknown / gap <span class="k excluded"></span>excluded <span class="k claimed"></span>claimed <span class="k countable"></span>countable ▸ reported ▸<span class="notice-k">notice</span></p>
<table class="minutes"><caption>Minutes this month</caption><tbody>${minutes}
<tr><th scope="row">Availability</th>${figure(service, 'availability', s.availability, `${(s.availability * 100).toFixed(4)} %`)}<td></td></tr>
<tr><th scope="row">Measurement coverage</th>${figure(service, 'coverage', s.coverage, coverage)}<td></td></tr>
<tr><th scope="row">Breached</th>${figure(service, 'breached', s.breached, s.breached ? 'yes' : 'no')}<td></td></tr>
</tbody></table>
<table class="reports"><caption>Reports (${s.reports.length})</caption><thead><tr><th>Report</th><th>Received</th><th>Notice</th><th>Claimed window</th><th>Verdict</th><th>Countable</th><th>Excluded</th><th>Claimed</th><th>Measured</th><th>First response (2 h)</th><th>Written report (4 h)</th><th>Resolution (15 d)</th></tr></thead>
<tbody>${s.reports.map((r) => reportRow(service, r, d.input, tz)).join('') || '<tr><td colspan="12">No report reaches into this month.</td></tr>'}</tbody></table>
<table class="unreported"><caption>Measured outages nobody reported (${s.unreported.length})</caption><thead><tr><th>Start</th><th>End</th><th>In month</th><th>Reportable until</th></tr></thead>
<tbody>${s.unreported.map((u) => `<tr data-figure="unreported" data-service="${service}" data-value="${u.seconds}"><td>${esc(shortTime(u.start))}</td><td>${u.end ? esc(shortTime(u.end)) : 'ongoing'}</td><td>${esc(duration(u.seconds))}</td><td>${esc(shortTime(u.reportableUntil))}</td></tr>`).join('') || '<tr><td colspan="4">None.</td></tr>'}</tbody></table>
${hiddenFlapTable(service, s)}
${service === 'network' && d.ports ? portsTables(d.ports, tz, parseInstant(s.monthStart)) : ''}
<table class="exclusions"><caption>Exclusions (${exclusions.length})</caption><thead><tr><th>Id</th><th>Category</th><th>Reference</th><th>Window</th><th>Entered by</th></tr></thead>
<tbody>${exclusions.map((x) => `<tr data-exclusion="${esc(x.id)}"><td>${esc(x.id)}</td><td>${esc(x.category.replace('_', ' '))}</td><td>${esc(x.ref)}</td><td>${esc(shortTime(formatInstant(x.start, tz)))} – ${esc(shortTime(formatInstant(x.end, tz)))}</td><td>${esc(who.get(x.id)?.recordedBy ?? '')}</td></tr>`).join('') || '<tr><td colspan="5">None.</td></tr>'}</tbody></table>
</section>`;
}

/** Hidden flaps (SLA rules §2): listed with their bounds, counting no minutes. */
function hiddenFlapTable(service: string, s: ServiceResult): string {
  const rows = s.hiddenFlaps.map((f) => `<tr data-figure="hiddenFlap" data-service="${service}" data-subject="${esc(f.subject)}" data-value="${esc(f.start)}/${esc(f.end)}"><td>${esc(f.subject)}</td><td>${esc(shortTime(f.start))}</td><td>${esc(shortTime(f.end))}</td></tr>`);
  return `<table class="hidden-flaps"><caption>Hidden flaps: down and up again between two polls, length unknown, no minutes counted (${s.hiddenFlaps.length})</caption><thead><tr><th>Subject</th><th>Up at the poll of</th><th>Up again from</th></tr></thead>
<tbody>${rows.join('') || '<tr><td colspan="3">None.</td></tr>'}</tbody></table>`;
}

function tenureTable(d: PageData, tz: string): string {
  const when = (t: number) => (t === 0 ? 'since records began' : Number.isFinite(t) ? shortTime(formatInstant(t, tz)) : 'now');
  const rows = d.tenures.map((t) => {
    const s = t.version.spec;
    const net = s.network ? `ports ${s.network.ports.join(', ')} (${s.network.redundancy})${s.network.uplinks.length ? `; uplinks ${s.network.uplinks.join(', ')}` : ''}` : '—';
    return `<tr><td>v${t.version.version}</td><td>${esc(when(t.start))} – ${esc(when(t.end))}</td><td>${esc(net)}</td><td>${esc(s.power ? s.power.feeds.join(', ') : '—')}</td><td>${esc(t.version.recordedBy)}</td></tr>`;
  });
  return `<table class="tenures"><caption>What the customer had this month (minutes go to whoever had a port at the time)</caption>
<thead><tr><th>Version</th><th>In force</th><th>Network</th><th>Power feeds</th><th>Recorded by</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function wordsTable(texts: readonly { id: string; text: string }[]): string {
  const rows = texts.map((r) => `<tr data-report="${esc(r.id)}"><th scope="row">${esc(r.id)}</th><td class="words">${esc(r.text)}</td></tr>`).join('');
  return `<table class="words"><caption>The reports in the customer's words</caption><tbody>${rows || '<tr><td colspan="2">None.</td></tr>'}</tbody></table>`;
}

export function renderPage(d: PageData): string {
  const c = d.result.customers[0]!;
  const tz = c.timezone;
  const sections = (['network', 'power'] as const).flatMap((k) => (c.services[k] ? [serviceSection(d, k, c.services[k]!, tz)] : []));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SLA ${esc(d.customer)} ${esc(d.month)}</title><style>${PAGE_CSS}</style></head>
<body>
<header><h1>Service report: <span data-figure="customer" data-value="${esc(d.customer)}">${esc(d.name ?? d.customer)}</span>, <span data-figure="month" data-value="${esc(d.month)}">${esc(d.month)}</span></h1>
<p class="meta">Time zone ${esc(tz)} · as of <span data-figure="asOf" data-value="${esc(d.result.asOf)}">${esc(shortTime(formatInstant(d.input.asOf, tz)))}</span> · generated ${esc(formatInstant(d.generatedAt))} · countable minutes run from the provider's receipt of a report to the customer's receipt of the restoration notice (SLA rules §3)</p></header>
<main>${tenureTable(d, tz)}${sections.join('\n')}${d.reportTexts ? wordsTable(d.reportTexts) : ''}${d.form ?? ''}</main>
</body></html>`;
}
