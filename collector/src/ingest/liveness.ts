/**
 * Agent liveness: an agent silent past its heartbeat timeout turns the
 * subjects it measures `unknown` from its last sign of life until it returns
 * (recorded as observations, so the SLA ledger sees the gap), and an agent
 * whose clock is off is flagged. On return, the agent's own view (hello.states)
 * closes the gap.
 */
import type { Logger } from 'pino';
import type { Hello } from '@dcprobe/shared';
import type { Ledger } from './ledger.ts';
import type { SelfMetrics } from '../metrics.ts';

interface Live { lastSeen: number; connected: number; inGap: boolean }

export class Liveness {
  private readonly live = new Map<string, Live>();
  private timer: NodeJS.Timeout | undefined;
  /** A collector that was down heard nobody: silence counts from its start at the earliest. */
  private readonly startedAt: number;

  constructor(
    private readonly ledger: Ledger,
    private readonly metrics: SelfMetrics,
    private readonly log: Logger,
    private readonly opts: { timeoutMs: number; skewWarnMs: number; now: () => number },
  ) {
    this.startedAt = opts.now();
    const open = new Set(ledger.store.openGaps().map((g) => g.agentId));
    for (const a of ledger.store.agents()) {
      this.live.set(a.id, { lastSeen: a.lastSeen ?? opts.now(), connected: 0, inGap: open.has(a.id) });
      if (a.lastSeen) metrics.agentLastSeen.set({ agent: a.id }, a.lastSeen / 1000);
      metrics.agentConnected.set({ agent: a.id }, 0);
    }
  }

  start(tickMs = Math.min(1000, Math.max(50, this.opts.timeoutMs / 4))): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }

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

  /** Hello: close an open gap with the agent's current view; record lost seqs. */
  hello(h: Hello): void {
    const now = this.opts.now();
    const l = this.entry(h.agentId);
    const store = this.ledger.store;
    store.db.transaction(() => {
      store.touchAgent(h.agentId, now, now - h.clock, h.version, h.host);
      if (h.firstSeq !== undefined) {
        const lost = this.ledger.cursor(h.agentId).skipTo(h.firstSeq);
        if (lost) {
          store.openGap(h.agentId, now, 'events_lost', lost);
          store.saveCommitted(h.agentId, this.ledger.cursor(h.agentId).committed, now);
          this.metrics.lostEvents.inc({ agent: h.agentId }, lost.to - lost.from + 1);
          this.log.error({ agent: h.agentId, lost }, 'agent dropped events before they were acked (outbox overflow)');
        }
      }
      if (l.inGap) {
        store.closeGap(h.agentId, now);
        for (const s of h.states ?? []) {
          const cur = this.ledger.current.get(s.subject);
          if (!cur || cur.state !== s.state) this.ledger.record(s.subject, s.kind, s.state as never, now, 'resync', h.agentId);
        }
        this.log.info({ agent: h.agentId }, 'agent back: gap closed');
      }
    }).immediate();
    l.inGap = false;
    this.seen(h.agentId);
    this.clock(h.agentId, h.clock);
  }

  /** Marks silent agents' subjects unknown from their last sign of life. */
  tick(): void {
    const now = this.opts.now();
    for (const [agentId, l] of this.live) {
      if (l.inGap || now - Math.max(l.lastSeen, this.startedAt) <= this.opts.timeoutMs) continue;
      const store = this.ledger.store;
      const subjects = [...this.ledger.current.values()].filter((s) => s.agentId === agentId && s.state !== 'unknown');
      store.db.transaction(() => {
        store.openGap(agentId, l.lastSeen, 'silent');
        for (const s of subjects) this.ledger.record(s.subject, s.kind, 'unknown', Math.max(l.lastSeen, s.at), 'gap', agentId, { reason: 'agent silent past heartbeat timeout' });
      }).immediate();
      l.inGap = true;
      this.metrics.agentGaps.inc({ agent: agentId });
      this.log.warn({ agent: agentId, lastSeen: new Date(l.lastSeen).toISOString(), subjects: subjects.length }, 'agent silent past heartbeat timeout: its subjects are unknown');
    }
  }
}
