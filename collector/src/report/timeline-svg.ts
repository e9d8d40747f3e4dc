/**
 * The month as one inline SVG (no external assets: the NOC network is closed):
 * measured service state (up, down, unknown), the reports' claimed and countable
 * windows with their notices, exclusions and gaps, on one time axis with a tick
 * per day. Times after asOf are left blank: nothing is known there yet.
 */
import { monthBounds, parseInstant, type Interval } from '@dcprobe/shared';
import type { Exclusion, ServiceResult } from '../sla/types.ts';
import { esc } from '../lib/html.ts';

const W = 1000, LABEL = 120, ROW = 22, PAD = 4;

export interface TimelineData {
  service: string;
  month: string;
  timezone: string;
  asOf: number;
  result: ServiceResult;
  exclusions: readonly Exclusion[];
}

export function timelineSvg(d: TimelineData): string {
  const m = monthBounds(d.month, d.timezone);
  const known = Math.min(m.end, d.asOf);
  const x = (t: number) => LABEL + ((Math.min(Math.max(t, m.start), m.end) - m.start) / (m.end - m.start)) * (W - LABEL);
  const at = (iso: string | null, open: number) => (iso === null ? open : parseInstant(iso));
  const bar = (row: number, i: Interval, cls: string, title: string, h = ROW - 2 * PAD) => {
    if (!(i.end > m.start && i.start < m.end)) return '';
    const x0 = x(i.start), x1 = Math.max(x(i.end), x0 + 3); // a 10-minute outage must stay visible at month scale
    return `<rect class="${cls}" x="${x0.toFixed(2)}" y="${row * ROW + PAD}" width="${(x1 - x0).toFixed(2)}" height="${h}"><title>${esc(title)}</title></rect>`;
  };
  const mark = (row: number, t: number, cls: string, title: string) => (t >= m.start && t < m.end
    ? `<path class="${cls}" d="M${x(t).toFixed(2)} ${row * ROW + 2} l4 0 l-4 ${ROW - 4} z"><title>${esc(title)}</title></path>` : '');

  const r = d.result;
  const rows: string[] = ['measured state', 'gaps', 'exclusions', ...r.reports.map((rep) => `report ${rep.id}`)];
  const parts: string[] = [];
  // row 0: up where known and not down/unknown, then down and unknown on top
  if (known > m.start) parts.push(bar(0, { start: m.start, end: known }, 'up', 'up'));
  for (const g of r.gaps) parts.push(bar(0, { start: at(g.start, m.start), end: at(g.end, known) }, 'unknown', `unknown ${g.start ?? 'from the start'} – ${g.end ?? 'ongoing'}`));
  for (const o of r.incidents) parts.push(bar(0, { start: at(o.start, m.start), end: at(o.end, known) }, 'down', `down ${o.start} – ${o.end ?? 'ongoing'}${o.reports.length ? ` (reports ${o.reports.join(', ')})` : ' (unreported)'}`));
  for (const g of r.gaps) parts.push(bar(1, { start: at(g.start, m.start), end: at(g.end, known) }, 'gap', `gap ${g.seconds} s`));
  for (const xw of d.exclusions) parts.push(bar(2, xw, 'excluded', `${xw.id}: ${xw.category} ${xw.ref}`));
  r.reports.forEach((rep, i) => {
    const row = 3 + i;
    parts.push(bar(row, { start: parseInstant(rep.claimedStart), end: parseInstant(rep.claimedEnd) }, 'claimed', `claimed ${rep.claimedStart} – ${rep.claimedEnd}`));
    for (const w of rep.windows) parts.push(bar(row, { start: parseInstant(w.start), end: parseInstant(w.end) }, 'countable', `countable (before exclusions) ${w.start} – ${w.end}`, ROW - 4 * PAD));
    parts.push(mark(row, parseInstant(rep.reportedAt), 'reported', `reported ${rep.reportedAt}`));
    if (rep.noticeAt) parts.push(mark(row, parseInstant(rep.noticeAt), 'notice', `restoration notice ${rep.noticeAt}`));
  });

  const h = rows.length * ROW + 18;
  const ticks: string[] = [];
  const days = Math.round((m.end - m.start) / 86_400_000);
  for (let i = 0; i <= days; i++) {
    const t = m.start + (i * (m.end - m.start)) / days;
    ticks.push(`<line class="tick" x1="${x(t).toFixed(2)}" x2="${x(t).toFixed(2)}" y1="0" y2="${rows.length * ROW}"/>`);
    if (i < days && (i % 2 === 0)) ticks.push(`<text class="day" x="${(x(t) + 2).toFixed(2)}" y="${h - 4}">${i + 1}</text>`);
  }
  if (d.asOf > m.start && d.asOf < m.end) ticks.push(`<line class="asof" x1="${x(d.asOf).toFixed(2)}" x2="${x(d.asOf).toFixed(2)}" y1="0" y2="${rows.length * ROW}"><title>as of</title></line>`);
  const labels = rows.map((l, i) => `<text class="label" x="4" y="${i * ROW + ROW - 7}">${esc(l)}</text>`);
  return `<svg class="timeline" data-service="${esc(d.service)}" viewBox="0 0 ${W} ${h}" width="100%" role="img" aria-label="${esc(d.service)} timeline for ${esc(d.month)}" xmlns="http://www.w3.org/2000/svg">`
    + `${ticks.join('')}${parts.join('')}${labels.join('')}</svg>`;
}
