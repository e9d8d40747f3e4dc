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
  // Customers behind one switch or UPS share outages, so the same instants come
  // again soon after: a hit skips the zone offset and building (and later
  // collecting) a string. Direct-mapped by a hash of the instant: bounded memory.
  const slot = Math.imul(ms | 0, 0x9e3779b1) >>> (32 - RECENT_BITS);
  if (RECENT_MS[slot] === ms && RECENT_ZONE[slot] === timeZone) return RECENT_TEXT[slot]!;
  const text = timeZone === 'UTC' ? isoText(ms, 'Z') : zonedText(ms, timeZone);
  RECENT_MS[slot] = ms; RECENT_ZONE[slot] = timeZone; RECENT_TEXT[slot] = text;
  return text;
}

const RECENT_BITS = 16;
const RECENT_MS = new Float64Array(1 << RECENT_BITS).fill(Number.NaN);
const RECENT_ZONE: string[] = new Array<string>(1 << RECENT_BITS).fill('');
const RECENT_TEXT: string[] = new Array<string>(1 << RECENT_BITS).fill('');

function zonedText(ms: number, timeZone: string): string {
  const off = zoneOffsetMinutes(ms, timeZone);
  let suffix = SUFFIX.get(off);
  if (suffix === undefined) {
    const a = Math.abs(off);
    suffix = `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${P2[a % 60]}`;
    SUFFIX.set(off, suffix);
  }
  return isoText(ms + off * 60_000, suffix);
}

const P2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const SUFFIX = new Map<number, string>();
/**
 * `YYYY-MM-DDTHH:` of recent hours, direct-mapped by hour number: a slot check is
 * an array read where a Map of heap-number keys costs a hash lookup per instant.
 * 8192 slots hold 341 consecutive days and bound memory in a long-lived process.
 */
const HOUR_SLOTS = 8192;
const HOUR_KEY = new Float64Array(HOUR_SLOTS).fill(Number.NaN);
const HOUR_PREFIX: string[] = new Array<string>(HOUR_SLOTS).fill('');
let MIN_SEC: string[] | undefined;
let MILLIS: string[] | undefined;
/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: outside them toISOString uses extended years. */
const YEAR_0 = -62_167_219_200_000;
const YEAR_10000 = 253_402_300_800_000;

/**
 * `YYYY-MM-DDTHH:MM:SS[.mmm]` of a UTC ms value, then `suffix`. Reports format
 * about a million instants, so the `YYYY-MM-DDTHH:` part is cached per hour and
 * `MM:SS` and `.mmm` come from tables; join() makes one flat string (49 bytes
 * where chained `+` leaves a rope of 65-130). Milliseconds are kept when there
 * are any, so parseInstant(formatInstant(t)) === t.
 */
function isoText(time: number, suffix: string): string {
  const t = Math.trunc(time); // as Date does with a fractional millisecond
  if (!(t >= YEAR_0 && t < YEAR_10000)) {
    const iso = new Date(t).toISOString(); // extended years (+010000-...), or a RangeError for NaN
    return (iso.endsWith('.000Z') ? iso.slice(0, -5) : iso.slice(0, -1)) + suffix;
  }
  const hour = Math.floor(t / HOUR_MS);
  const slot = hour & (HOUR_SLOTS - 1); // |hour| < 2^27 in this range, so int32 arithmetic is exact
  let prefix: string;
  if (HOUR_KEY[slot] === hour) prefix = HOUR_PREFIX[slot]!;
  else {
    prefix = new Date(hour * HOUR_MS).toISOString().slice(0, 14);
    HOUR_KEY[slot] = hour;
    HOUR_PREFIX[slot] = prefix;
  }
  const rest = t - hour * HOUR_MS;
  const sec = Math.floor(rest / 1000), milli = rest - sec * 1000;
  MIN_SEC ??= Array.from({ length: 3600 }, (_, i) => `${P2[Math.floor(i / 60)]}:${P2[i % 60]}`);
  if (milli === 0) return [prefix, MIN_SEC[sec]!, suffix].join('');
  MILLIS ??= Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}`);
  return [prefix, MIN_SEC[sec]!, MILLIS[milli]!, suffix].join('');
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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
interface ZoneCache { days: Map<number, number>; hours: Map<number, number> }
const offsetCache = new Map<string, ZoneCache>();
const last = { zone: '', day: Number.NaN, offset: 0 };

/**
 * Offset of `timeZone` from UTC at instant `ms`, in minutes (east positive).
 * Intl is slow (tens of microseconds a call) and a month's report formats about a
 * million instants, so offsets are cached per UTC day, for a day whose first and
 * last second have the same offset; a day holding a change (NaN) is cached per
 * hour the same way, and an hour holding the change is computed exactly each time.
 * (Two changes that cancel out within one day or hour do not occur in the tz database.)
 */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const day = Math.floor(ms / DAY_MS);
  // Callers format runs of instants of one customer: most calls hit the last day seen.
  if (day === last.day && timeZone === last.zone) return last.offset;
  let zone = offsetCache.get(timeZone);
  if (!zone) { zone = { days: new Map(), hours: new Map() }; offsetCache.set(timeZone, zone); }
  const byDay = steadyOffset(zone.days, day, DAY_MS, timeZone);
  if (!Number.isNaN(byDay)) {
    last.zone = timeZone; last.day = day; last.offset = byDay;
    return byDay;
  }
  const byHour = steadyOffset(zone.hours, Math.floor(ms / HOUR_MS), HOUR_MS, timeZone);
  return Number.isNaN(byHour) ? exactOffsetMinutes(ms, timeZone) : byHour;
}

/** The offset over bucket [i*size, (i+1)*size) if it is the same at both ends, else NaN. */
function steadyOffset(cache: Map<number, number>, i: number, size: number, timeZone: string): number {
  const hit = cache.get(i);
  if (hit !== undefined) return hit;
  const first = exactOffsetMinutes(i * size, timeZone);
  const last = exactOffsetMinutes(i * size + size - 1000, timeZone);
  if (cache.size > 100_000) cache.clear(); // bound memory for a long-lived process
  const v = first === last ? first : NaN;
  cache.set(i, v);
  return v;
}

function exactOffsetMinutes(ms: number, timeZone: string): number {
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
