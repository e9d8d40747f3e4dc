/**
 * Agent liveness: an agent silent past its heartbeat timeout turns the
 * subjects it measures `unknown` from its last sign of life until it returns
 * (recorded as observations, so the SLA ledger sees the gap), and an agent
 * whose clock is off is flagged. On return, the agent's own view (hello.states)
 * closes the gap.
 */
import type { Logger } from 'pino';
import type { Hello } from '@dcprobe/shared';
import type { AgentStore, CurrentState, ObservationRow } from '../store/types.ts';
import type { IngestQueue } from './queue.ts';
import type { SelfMetrics } from '../metrics.ts';
import { RateLimitedLog } from '../lib/rate-limited-log.ts';

interface Live {
  lastSeen: number; connected: number; inGap: boolean;
  /** The lastSeen last handed to the store (recordSeen). */
  shared?: number;
}

const asCurrent = (o: ObservationRow): CurrentState => ({ subject: o.subject, kind: o.kind, state: o.state, at: o.at, agentId: o.agentId });

export interface LivenessOptions {
  timeoutMs: number; skewWarnMs: number; now: () => number;
  /** Whether this collector runs the sweep (the store's leader; default: always). */
  leads?: () => boolean;
}

export class Liveness {
  private readonly live = new Map<string, Live>();
  private timer: NodeJS.Timeout | undefined;
  /** A collector that was down heard nobody: silence counts from its start at the earliest. */
  private readonly startedAt: number;
  /** A failing store fails every sweep: logged once per interval. */
  private readonly storeLog: RateLimitedLog;
  private readonly leads: () => boolean;

  private constructor(
    private readonly store: AgentStore,
    private readonly queue: IngestQueue,
    private readonly metrics: SelfMetrics,
    private readonly log: Logger,
    private readonly opts: LivenessOptions,
  ) {
    this.startedAt = opts.now();
    this.storeLog = new RateLimitedLog(log, 10_000, opts.now);
    this.leads = opts.leads ?? (() => true);
  }

  /** Liveness as the store left it: every known agent disconnected, in a gap if one is open. */
  static async open(store: AgentStore, queue: IngestQueue, metrics: SelfMetrics, log: Logger, opts: LivenessOptions): Promise<Liveness> {
    const l = new Liveness(store, queue, metrics, log, opts);
    const open = new Set((await store.openGaps()).map((g) => g.agentId));
    for (const a of await store.agents()) {
      l.live.set(a.id, { lastSeen: a.lastSeen ?? opts.now(), connected: 0, inGap: open.has(a.id) });
      if (a.lastSeen) metrics.agentLastSeen.set({ agent: a.id }, a.lastSeen / 1000);
      metrics.agentConnected.set({ agent: a.id }, 0);
    }
    return l;
  }

  start(tickMs = Math.min(1000, Math.max(50, this.opts.timeoutMs / 4))): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }

  /** `never`: not once connected in this store's life (no row, no session since start). */
  status(agentId: string): 'connected' | 'disconnected' | 'never' {
    const l = this.live.get(agentId);
    return !l ? 'never' : l.connected > 0 ? 'connected' : 'disconnected';
  }

  private entry(agentId: string): Live {
    let l = this.live.get(agentId);
    if (!l) { l = { lastSeen: this.opts.now(), connected: 0, inGap: false }; this.live.set(agentId, l); }
    return l;
  }

  /** Any frame from the agent is a sign of life. */
  seen(agentId: string): void {
    const now = this.opts.now();
    this.entry(agentId).lastSeen = now;
    this.metrics.agentLastSeen.set({ agent: agentId }, now / 1000);
  }

  clock(agentId: string, agentClock: number): void {
    const offset = this.opts.now() - agentClock;
    this.metrics.agentClockOffset.set({ agent: agentId }, offset / 1000);
    const skewed = Math.abs(offset) > this.opts.skewWarnMs;
    this.metrics.agentClockSkewed.set({ agent: agentId }, skewed ? 1 : 0);
    if (skewed) this.log.warn({ agent: agentId, offsetSeconds: offset / 1000 }, 'agent clock is off');
  }

  connected(agentId: string, delta: 1 | -1): void {
    const l = this.entry(agentId);
    l.connected = Math.max(0, l.connected + delta);
    this.metrics.agentConnected.set({ agent: agentId }, l.connected > 0 ? 1 : 0);
  }

  /**
   * Hello: record the agent, the seqs it lost (its cursor skips them at once,
   * before any later frame is prepared), and, back from a gap, close it with
   * the agent's current view. Resolves once the store holds it.
   */
  async hello(h: Hello): Promise<void> {
    const now = this.opts.now();
    const l = this.entry(h.agentId);
    // The store first: the agent may have streamed to another collector, whose commits this one's cursor lacks.
    const claim = await this.store.claimAgent(h.agentId, now);
    // Subjects it reported through another collector meanwhile: its own here too (admission, resync), with their stored state.
    this.queue.admission.load(claim.owned);
    for (const s of claim.owned) this.queue.note(s);
    const cursor = this.queue.cursor(h.agentId);
    cursor.merge(claim.cursor.committed, claim.cursor.above);
    const skipped = h.firstSeq !== undefined ? cursor.skipTo(h.firstSeq) : null;
    const wasInGap = l.inGap;
    const back = wasInGap || claim.inGap;
    // A gap another collector recorded: this one's current states may be stale, so the agent's whole view is taken.
    const differs = (s: { subject: string; state: string }) => !wasInGap || this.queue.current.get(s.subject)?.state !== s.state;
    // Only subjects that are the agent's: a hello cannot write (or claim) another agent's.
    const observations: ObservationRow[] = back ? (h.states ?? [])
      .filter((s) => this.queue.admission.owner(s.subject) === h.agentId && differs(s))
      .map((s) => ({ subject: s.subject, kind: s.kind, state: s.state as ObservationRow['state'], at: now, via: 'resync', agentId: h.agentId, seq: null })) : [];
    l.inGap = false;
    try {
      await this.store.recordHello({
        agentId: h.agentId, at: now, clockOffsetMs: now - h.clock, version: h.version, host: h.host,
        lost: skipped ? { ...skipped, committed: cursor.committed } : undefined, closeGap: back, observations,
      });
    } catch (e) {
      // Nothing recorded: this collector's own view as before (a gap another one recorded is read from the store again at the next hello).
      l.inGap = wasInGap;
      throw e;
    }
    for (const o of observations) this.queue.note(asCurrent(o));
    if (skipped) {
      this.metrics.lostEvents.inc({ agent: h.agentId }, skipped.to - skipped.from + 1);
      this.log.error({ agent: h.agentId, lost: skipped }, 'agent dropped events before they were acked (outbox overflow)');
    }
    if (back) this.log.info({ agent: h.agentId }, 'agent back: gap closed');
    this.seen(h.agentId);
    this.clock(h.agentId, h.clock);
  }

  /**
   * Shares the signs of life of agents connected here (for whichever
   * collector leads), then, on the leader only, marks silent agents'
   * subjects unknown from their last sign of life.
   */
  tick(): void {
    const now = this.opts.now();
    const seen = [...this.live].filter(([, l]) => l.connected > 0 && l.lastSeen !== l.shared).map(([agentId, l]) => {
      l.shared = l.lastSeen;
      return { agentId, at: l.lastSeen };
    });
    if (seen.length > 0) {
      this.store.recordSeen(seen).catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'signs of life not shared'));
    }
    if (!this.leads()) return;
    for (const [agentId, l] of this.live) {
      if (l.inGap || now - Math.max(l.lastSeen, this.startedAt) <= this.opts.timeoutMs) continue;
      l.inGap = true;
      const observations: ObservationRow[] = [...this.queue.current.values()].filter((s) => s.agentId === agentId && s.state !== 'unknown')
        .map((s) => ({ subject: s.subject, kind: s.kind, state: 'unknown', at: Math.max(l.lastSeen, s.at), via: 'gap', agentId, seq: null, evidence: { reason: 'agent silent past heartbeat timeout' } }));
      this.store.recordSilence({ agentId, at: now, start: l.lastSeen, observations }).then((alive) => {
        if (alive !== null) { // connected to another collector: not silent
          l.inGap = false;
          l.lastSeen = Math.max(l.lastSeen, alive);
          return;
        }
        for (const o of observations) this.queue.note(asCurrent(o));
        this.metrics.agentGaps.inc({ agent: agentId });
        this.log.warn({ agent: agentId, lastSeen: new Date(l.lastSeen).toISOString(), subjects: observations.length }, 'agent silent past heartbeat timeout: its subjects are unknown');
      }, (e: unknown) => {
        l.inGap = false; // not recorded: the next tick tries again
        this.metrics.storeFailures.inc({ operation: 'silence' });
        this.storeLog.error({ agent: agentId, err: (e as Error).message }, 'agent gap not recorded');
      });
    }
  }
}
