/**
 * Time at the edges: ISO 8601 with an explicit offset in, UTC milliseconds inside.
 * A time without an offset is ambiguous evidence, so it is an error, not a guess.
 */
import { DcprobeError, E } from './errors.ts';

const ISO_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseInstant(text: unknown, field = 'time'): number {
  if (typeof text !== 'string' || !ISO_WITH_OFFSET.test(text)) {
    throw new DcprobeError(E.TIME_INVALID, `${field}: expected an ISO 8601 time with an offset, got ${JSON.stringify(text)}`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new DcprobeError(E.TIME_INVALID, `${field}: not a valid time: ${JSON.stringify(text)}`);
  return ms;
}

export function isIsoWithOffset(text: string): boolean {
  return ISO_WITH_OFFSET.test(text) && !Number.isNaN(Date.parse(text));
}

/** Renders an instant in a time zone as ISO 8601 with that zone's offset at that instant. */
export function formatInstant(ms: number, timeZone = 'UTC'): string {
  if (timeZone === 'UTC') return new Date(ms).toISOString().replace('.000Z', 'Z');
  const off = zoneOffsetMinutes(ms, timeZone);
  // Keep milliseconds when there are any, so parseInstant(formatInstant(t)) === t.
  const iso = new Date(ms + off * 60_000).toISOString();
  const local = iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function dtf(timeZone: string): Intl.DateTimeFormat {
  let f = dtfCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    dtfCache.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (east positive). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(dtf(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

export function isValidTimeZone(tz: string): boolean {
  try { dtf(tz); return true; } catch { return false; }
}

/** UTC ms of local midnight starting the given calendar day in `timeZone`. */
export function zonedMidnight(year: number, month1: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month1 - 1, day);
  // Two passes settle the offset even when it changes near the boundary.
  let t = guess - zoneOffsetMinutes(guess, timeZone) * 60_000;
  t = guess - zoneOffsetMinutes(t, timeZone) * 60_000;
  return t;
}

export const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [start, end) of a calendar month `YYYY-MM` in a time zone, in UTC ms. */
export function monthBounds(month: string, timeZone: string): { start: number; end: number } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new DcprobeError(E.TIME_INVALID, `month: expected YYYY-MM, got ${JSON.stringify(month)}`);
  const y = +m[1]!, mo = +m[2]!;
  const ny = mo === 12 ? y + 1 : y, nm = mo === 12 ? 1 : mo + 1;
  return { start: zonedMidnight(y, mo, 1, timeZone), end: zonedMidnight(ny, nm, 1, timeZone) };
}

/** The calendar month `YYYY-MM` containing instant `ms` in `timeZone`. */
export function monthOf(ms: number, timeZone: string): string {
  const local = new Date(ms + zoneOffsetMinutes(ms, timeZone) * 60_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}
