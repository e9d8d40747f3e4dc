/**
 * The customer's own report form on its page, and the answer to it: plain
 * server-rendered HTML (no script, so the page's CSP stays `default-src
 * 'none'`), every customer-supplied value escaped. The form posts to the
 * page's URL + `/reports` with the same `?token=` the page was opened with.
 */
import { DcprobeError, E, zoneOffsetMinutes } from '@dcprobe/shared';
import { esc, shortTime } from '../lib/html.ts';

export const FORM_SERVICES = ['network', 'power'] as const;

export function reportForm(action: string, services: readonly string[], tz: string): string {
  const opts = services.map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('');
  return `<section class="file-report"><h2>Report an outage</h2>
<form method="post" action="${esc(action)}">
<p><label>Service <select name="service" required>${opts}</select></label></p>
<p><label>Outage began (${esc(tz)}) <input type="datetime-local" name="claimedStart"></label>
<label>ended <input type="datetime-local" name="claimedEnd"></label></p>
<p><label>What you see<br><textarea name="text" rows="4" cols="80" maxlength="10000"></textarea></label></p>
<p><button type="submit">Send report</button> <small>The time we receive it is the report's time; it starts the contract's timers.</small></p>
</form></section>`;
}

/** A `datetime-local` value (no offset) read as a wall-clock time in `tz`; empty → undefined. */
export function localToInstant(v: string | null, field: string, tz: string): number | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) throw new DcprobeError(E.VALIDATION, `${field}: expected YYYY-MM-DDTHH:MM, got ${JSON.stringify(v)}`);
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  let t = wall - zoneOffsetMinutes(wall, tz) * 60_000;
  t = wall - zoneOffsetMinutes(t, tz) * 60_000;
  return t;
}

export interface Filed { id: string; reportedAt: string; service: string; timers: Record<string, unknown> }

export function filedPage(f: Filed, back: string, css: string): string {
  const rows = Object.entries(f.timers).map(([k, t]) => {
    const x = t as { state: string; due: string };
    return `<tr><th scope="row">${esc(k)}</th><td data-figure="${esc(k)}" data-value="${esc(x.state)}">${esc(x.state)}</td><td>due ${esc(shortTime(x.due))}</td></tr>`;
  }).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Report ${esc(f.id)} received</title><style>${css}</style></head>
<body><h1>Report <span data-figure="report" data-value="${esc(f.id)}">${esc(f.id)}</span> received</h1>
<p>Service ${esc(f.service)}, received <span data-figure="reportedAt" data-value="${esc(f.reportedAt)}">${esc(shortTime(f.reportedAt))}</span>.</p>
<table><caption>The contract's timers</caption><tbody>${rows}</tbody></table>
<p><a href="${esc(back)}">Back to the report page</a></p></body></html>`;
}
