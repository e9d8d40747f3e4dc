/**
 * A log line that repeats while a fault lasts (a full disk fails every commit,
 * every sweep) is written at most once per interval, with how many were held
 * back since the last one: a failing store must not also fill the log.
 */
import type { Logger } from 'pino';

export class RateLimitedLog {
  private last = -Infinity;
  private held = 0;

  constructor(private readonly log: Logger, private readonly intervalMs = 10_000, private readonly now: () => number = Date.now) {}

  error(obj: Record<string, unknown>, msg: string): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) { this.held++; return; }
    this.log.error(this.held ? { ...obj, suppressed: this.held } : obj, msg);
    this.last = t;
    this.held = 0;
  }
}
