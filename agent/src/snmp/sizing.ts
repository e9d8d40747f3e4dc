/**
 * How big a request may be for one device, learned as it goes: a cap on
 * varbinds per request (the walk and the GETs split to stay under it), and
 * GETBULK max-repetitions that halve when a bulk request times out while the
 * device still answers small ones, or when it answers tooBig, down to 1 and
 * then to GETNEXT. Many embedded agents (UPS and PDU cards, snmpsimd) never
 * answer a request above some size, and some queue everything behind it.
 *
 * Remembered for the life of the client (one per target), logged once per
 * change, reported through `onChange` (the agent's
 * dcprobe_agent_snmp_max_repetitions gauge; 0 means GETNEXT). A device that
 * was only busy (rebooting, overloaded) looks the same for a moment, so once
 * GETBULKs at the smaller size have been answered for RETRY_AFTER_MS, the size
 * it shrank from is tried once more: answered, it is back; not answered
 * again, it is never tried again.
 */
import type { Logger } from 'pino';
import type { BulkMode, SnmpVersion } from './types.ts';

export interface SizingOptions {
  version: SnmpVersion;
  bulk: BulkMode;
  maxRepetitions: number;
  maxVarbinds: number;
  /** `host:port`, for the log line. */
  where: string;
  log?: Logger;
  onChange?: (maxRepetitions: number) => void;
  /** Clock for RETRY_AFTER_MS (default Date.now). */
  now?: () => number;
}

/** How long GETBULKs must be answered at a shrunk size before the size it shrank from is tried once more. */
export const RETRY_AFTER_MS = 15 * 60_000;

export class RequestSizing {
  private reps: number;
  private cap: number;
  /** The size last shrunk from, to try again; null when there is none to try. */
  private shrunkFrom: number | null = null;
  /** When the last shrink happened. */
  private shrunkAt = 0;
  /** How often each size was shrunk from: twice, and it is never asked again. */
  private readonly shrunk = new Map<number, number>();
  /** A GETBULK timed out with no answer to the small request after it. */
  private suspect = false;
  /** Some request was answered since that timeout. */
  private answeredSince = false;

  private readonly clock: () => number;

  constructor(private readonly o: SizingOptions) {
    this.clock = o.now ?? Date.now;
    // SNMPv1 has no GETBULK; `bulk: off` is for devices whose GETBULK is broken.
    this.reps = o.version === '1' || o.bulk === 'off' ? 0 : o.maxRepetitions;
    this.cap = o.maxVarbinds;
    o.onChange?.(this.reps);
  }

  /** Max-repetitions now; 0: walks use GETNEXT. */
  get repetitions(): number { return this.reps; }

  /** Most varbinds one request may ask for (and so one response may hold). */
  get maxVarbinds(): number { return this.cap; }

  /**
   * Columns per request, and repetitions, for `columns` columns walked in
   * lockstep under the cap, `scalars` non-repeaters riding along.
   */
  walkPlan(columns: number, scalars = 0): { perRequest: number; reps: number } {
    const room = Math.max(1, this.cap - scalars);
    const perRequest = Math.max(1, Math.min(columns, room));
    const reps = this.reps === 0 ? 0 : Math.max(1, Math.min(this.reps, Math.floor(room / perRequest)));
    return { perRequest, reps };
  }

  /** Any answer from the device. */
  answered(): void {
    this.answeredSince = true;
  }

  /** A GETBULK answered: the size that worked is not suspect, and a shrink may have been a busy moment. */
  bulkAnswered(): void {
    this.suspect = false;
    if (this.shrunkFrom === null || this.clock() - this.shrunkAt < RETRY_AFTER_MS) return;
    const back = this.shrunkFrom;
    this.shrunkFrom = null;
    this.reps = back;
    this.o.log?.info({ device: this.o.where, maxRepetitions: back }, `${this.o.where} answers steadily: asking ${back} repetitions once more`);
    this.o.onChange?.(back);
  }

  /**
   * A GETBULK of `reps` repetitions got no answer. `probeAnswered`: a small
   * GET sent right after was answered. A device that queues requests behind
   * one it cannot answer fails that GET too, so an answer to anything since
   * the previous timed-out GETBULK counts as well. True when the walk should
   * retry smaller now.
   */
  bulkTimedOut(reps: number, probeAnswered: boolean): boolean {
    const alive = probeAnswered || (this.suspect && this.answeredSince);
    this.suspect = !probeAnswered;
    this.answeredSince = false;
    if (this.o.bulk !== 'auto' || this.reps === 0 || !alive) return false;
    return this.shrink(reps, 'timed out while the device answers small requests');
  }

  /** The device answered tooBig to a GETBULK of `reps` repetitions. */
  bulkTooBig(reps: number): boolean {
    if (this.o.bulk !== 'auto' || this.reps === 0) return false;
    return this.shrink(reps, 'was answered tooBig');
  }

  /** The device answered tooBig to a GET of `varbinds` varbinds: halve the cap. */
  getTooBig(varbinds: number): boolean {
    return this.shrinkCap(varbinds, 'was answered tooBig');
  }

  /** A GET of `varbinds` varbinds got no answer; `probeAnswered` as for GETBULK. True when it should be retried smaller. */
  getTimedOut(varbinds: number, probeAnswered: boolean): boolean {
    if (this.o.bulk !== 'auto' || !probeAnswered) return false;
    return this.shrinkCap(varbinds, 'timed out while the device answers small requests');
  }

  private shrinkCap(varbinds: number, why: string): boolean {
    const next = Math.floor(varbinds / 2);
    if (next < 1) return false; // one varbind too big: nothing smaller to ask
    if (next >= this.cap) return true; // already shrunk by another request
    this.cap = next;
    this.o.log?.warn({ device: this.o.where, maxVarbinds: next }, `a GET of ${varbinds} varbinds to ${this.o.where} ${why}: at most ${next} a request from now on`);
    return true;
  }

  private shrink(asked: number, why: string): boolean {
    const next = asked <= 1 ? 0 : Math.floor(asked / 2);
    // Another request may have shrunk it already: retry at the current size.
    if (next >= this.reps) return true;
    // Failing at a size tried once more confirms it: it is not asked again.
    const times = (this.shrunk.get(asked) ?? 0) + 1;
    this.shrunk.set(asked, times);
    this.shrunkFrom = times === 1 ? asked : null;
    this.shrunkAt = this.clock();
    this.reps = next;
    const now = next === 0 ? 'walking with GETNEXT from now on' : `asking ${next} repetitions from now on`;
    this.o.log?.warn({ device: this.o.where, maxRepetitions: next }, `a GETBULK of ${asked} repetitions to ${this.o.where} ${why}: ${now}`);
    this.o.onChange?.(next);
    return true;
  }
}
