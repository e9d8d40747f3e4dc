/**
 * The report page's ports: each port and uplink with its state as of the
 * page's time and its changes over the month. A port down whose event says
 * ifAdminStatus down reads "shut administratively": evidence of why, beside a
 * down that counts like any other (SLA rules §2).
 */
import { formatInstant } from '@dcprobe/shared';
import type { PortChange } from '../store/types.ts';
import { shutAdministratively, type PortStatus } from '../ledger/ports.ts';
import { esc, shortTime } from '../lib/html.ts';

/** A state as people read it, with the administrative state when it says more than the state. */
export function stateText(c: Pick<PortChange, 'state' | 'admin'>): string {
  if (shutAdministratively(c)) return 'down, shut administratively';
  if (c.admin === 'testing') return `${c.state}, in test mode (admin testing)`;
  if (c.state === 'up' && c.admin === 'down') return 'up (admin down)';
  return c.state;
}

const cell = (subject: string, c: Pick<PortChange, 'state' | 'admin'>) =>
  `<td class="port-state ${esc(c.state)}" data-figure="portState" data-subject="${esc(subject)}" data-value="${esc(c.state)}" data-admin="${esc(c.admin ?? '')}">${esc(stateText(c))}</td>`;

export function portsTables(ports: readonly PortStatus[], tz: string, monthStart: number): string {
  const when = (t: number | null) => (t === null ? '—' : shortTime(formatInstant(t, tz)));
  const rows = ports.map((p) => `<tr data-port="${esc(p.subject)}"><td>${esc(p.subject)}</td><td>${esc(p.role)}</td>${cell(p.subject, p)}<td>${esc(when(p.since))}</td></tr>`);
  const changes = ports.flatMap((p) => p.changes.filter((c) => c.at > monthStart).map((c) => ({ p, c })))
    .sort((a, b) => a.c.at - b.c.at)
    .map(({ p, c }) => `<tr data-port-change="${esc(p.subject)}"><td>${esc(when(c.at))}</td><td>${esc(p.subject)}</td>${cell(p.subject, c)}<td>${esc(c.via)}</td></tr>`);
  return `<table class="ports"><caption>Ports as of this report (${ports.length})</caption><thead><tr><th>Port</th><th>Role</th><th>State</th><th>Since</th></tr></thead>
<tbody>${rows.join('') || '<tr><td colspan="4">None.</td></tr>'}</tbody></table>
<table class="port-changes"><caption>Port state changes this month (${changes.length})</caption><thead><tr><th>At</th><th>Port</th><th>State</th><th>Seen by</th></tr></thead>
<tbody>${changes.join('') || '<tr><td colspan="4">None.</td></tr>'}</tbody></table>`;
}
