/**
 * Month-end scheduling for statements: at the end of each calendar month in
 * each customer time zone, once.
 *
 * The boundary is computed with the project's own month definition
 * (monthBounds: a calendar month in the zone, 743 or 745 hours across a DST
 * change), the one the reconciler counts minutes in, so a statement is frozen
 * exactly when its month ends. A cron expression cannot say "end of month"
 * (only "00:00 on day 1", in whatever zone handling the library has), runs on
 * the process's real clock, and forgets a run missed while the collector was
 * down; here the clock and the timer are passed in, and a watermark (the last
 * instant handled, to be persisted) makes a restarted collector catch up on
 * every month that ended while it was down, and fire none twice.
 */
import { monthBounds, monthOf } from '@dcprobe/shared';

export interface MonthEnd {
  month: string;
  timezone: string;
  /** First instant of the month (UTC ms). */
  start: number;
  /** First instant after it: the month's end. */
  end: number;
}

/** The month of `tz` that contains `at`, with its bounds. */
export function monthContaining(at: number, tz: string): MonthEnd {
  const month = monthOf(at, tz);
  return { month, timezone: tz, ...monthBounds(month, tz) };
}

/** Months of `tz` whose end lies in (from, to], oldest first (at most `limit`). */
export function monthsEndedBetween(from: number, to: number, tz: string, limit = 1200): MonthEnd[] {
  const out: MonthEnd[] = [];
  // The month containing `from` ends after it; each next month starts at the previous end.
  for (let m = monthContaining(from, tz); out.length < limit && m.end <= to; m = monthContaining(m.end, tz)) out.push(m);
  return out;
}

export interface Clock { now(): number }
/** A one-shot timer, as setTimeout/clearTimeout. */
export interface Timers { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void }

export interface SchedulerOptions {
  clock: Clock;
  timers: Timers;
  /** The time zones that have customers now (asked at every tick). */
  timezones: () => readonly string[];
  /** Month ends after this instant are due (the persisted watermark; at first start, the install time). */
  since: number;
  /** How long after the month's end to fire (late events from agents' outboxes); default 0. */
  delayMs?: number;
  /** Longest single timer: the clock is looked at again at least this often (clock steps, suspend). Default 1 h. */
  maxTimerMs?: number;
  /** Wait before trying again after onMonthEnd failed. Default 5 min. */
  retryMs?: number;
  /** Freezes the month's statements; the watermark passes the month only when it resolves. */
  onMonthEnd: (e: MonthEnd) => Promise<void> | void;
  onError?: (e: unknown, m: MonthEnd) => void;
}

export class MonthEndScheduler {
  private mark: number;
  private handle: unknown;
  private running = false;
  private stopped = true;

  constructor(private readonly o: SchedulerOptions) {
    this.mark = o.since;
  }

  /** The instant up to which every month end has been handled: persist it. */
  get watermark(): number { return this.mark; }

  /** Handles every month end already due (catch-up), then arms the timer. */
  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.o.timers.clear(this.handle);
    this.handle = undefined;
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.handle = undefined;
    let wait: number;
    try {
      wait = await this.runDue();
    } finally {
      this.running = false;
    }
    if (!this.stopped) this.handle = this.o.timers.set(() => void this.tick(), wait);
  }

  /** Fires every due month end in order; returns how long to wait before looking again. */
  private async runDue(): Promise<number> {
    const delay = this.o.delayMs ?? 0, now = this.o.clock.now();
    const zones = [...new Set(this.o.timezones())];
    const due = zones.flatMap((tz) => monthsEndedBetween(this.mark - delay, now - delay, tz));
    due.sort((a, b) => a.end - b.end || (a.timezone < b.timezone ? -1 : 1));
    for (const m of due) {
      try {
        await this.o.onMonthEnd(m);
      } catch (e) {
        this.o.onError?.(e, m);
        return this.o.retryMs ?? 300_000;
      }
      this.mark = m.end + delay;
    }
    this.mark = Math.max(this.mark, now);
    let next = Infinity;
    for (const tz of zones) next = Math.min(next, monthContaining(now - delay, tz).end + delay);
    return Math.max(0, Math.min(next - now, this.o.maxTimerMs ?? 3_600_000));
  }
}
