/**
 * The collector's own health for /healthz: not ok while ingest commits fail
 * (agents are not acked: a full disk, a broken store) or while the projection
 * of acked events makes no progress (every SLA read waits on it). A sampler
 * notes when the backlog last shrank or was empty; reading never blocks.
 */
import type { IngestQueue } from './queue.ts';

/** A backlog that has not shrunk for this long means the projection is stuck. */
export const PROJECTION_STUCK_MS = 60_000;

export class IngestHealth {
  private lastPending = 0;
  private progressAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly queue: IngestQueue, private readonly now: () => number, private readonly stuckMs = PROJECTION_STUCK_MS) {
    this.progressAt = now();
    this.timer = setInterval(() => this.sample(), Math.min(1000, stuckMs / 4));
    this.timer.unref();
  }

  private sample(): void {
    const pending = this.queue.pending();
    if (pending === 0 || pending < this.lastPending) this.progressAt = this.now();
    this.lastPending = pending;
  }

  /** What is wrong, one sentence each; empty when healthy. */
  problems(): string[] {
    this.sample();
    const out: string[] = [];
    const t = this.now();
    if (this.queue.failedAt !== null) out.push(`ingest commits failing (last at ${new Date(this.queue.failedAt).toISOString()}): agents are not acked`);
    if (this.lastPending > 0 && t - this.progressAt > this.stuckMs) out.push(`projection stuck: ${this.lastPending} acked events not readable for ${Math.round((t - this.progressAt) / 1000)} s`);
    return out;
  }

  stop(): void { clearInterval(this.timer); }
}
