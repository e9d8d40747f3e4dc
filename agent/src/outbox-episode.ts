/**
 * One kind of disk failure over time (writes refused, the high-water mark or
 * state.json not saved): logged once when it starts, then at most once a
 * minute while it lasts, and once when it ends; retries back off from 1 s to
 * 30 s. A full disk must not turn into a log flood that fills the disk of the
 * logs too.
 */
import type { Logger } from 'pino';

export const RETRY = { minMs: 1_000, maxMs: 30_000 } as const;
const LOG_EVERY_MS = 60_000;

export class Episode {
  /** The last error while failing; undefined when the last attempt succeeded. */
  lastError: unknown;
  private failures = 0;
  private since = 0;
  private lastLog = 0;
  private delay: number = RETRY.minMs;

  constructor(private readonly log: Logger, private readonly now: () => number) {}

  fail(e: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    const now = this.now();
    const err = { code: (e as NodeJS.ErrnoException).code, message: (e as Error).message };
    if (this.lastError === undefined) {
      this.since = now;
      this.lastLog = now;
      this.log.error({ err, ...extra }, msg);
    } else if (now - this.lastLog >= LOG_EVERY_MS) {
      this.lastLog = now;
      this.log.error({ err, failures: this.failures + 1, failingForS: Math.round((now - this.since) / 1000), ...extra }, msg);
    }
    this.failures++;
    this.lastError = e;
  }

  ok(msg?: string, extra: Record<string, unknown> = {}): void {
    if (this.lastError === undefined) return;
    if (msg) this.log.info({ failures: this.failures, failedForS: Math.round((this.now() - this.since) / 1000), ...extra }, msg);
    this.lastError = undefined;
    this.failures = 0;
    this.delay = RETRY.minMs;
  }

  /** The wait before the next retry, doubling each time up to RETRY.maxMs. */
  backoffMs(): number {
    const d = this.delay;
    this.delay = Math.min(RETRY.maxMs, this.delay * 2);
    return d;
  }
}
