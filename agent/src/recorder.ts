/**
 * Readings → tracker → outbox: one fact's path inside the agent. The tracker
 * decides what changed (and what the wire would refuse); the recorder turns
 * that into outbox events, in order. While the disk refuses them the outbox
 * holds them, numbered (outbox.ts).
 *
 * Hidden flaps go out as their own events only to a collector that said it
 * takes them (welcome.features); until then each is held and rides in its
 * subject's next state-change event as evidence.hiddenFlaps, and is logged,
 * so none is dropped unseen. Held flaps become events when such a collector
 * welcomes the agent.
 */
import type { Logger } from 'pino';
import { AgentEventSchema, E, FEATURES, describeIssues, isCoded } from '@dcprobe/shared';
import type { AgentMetrics } from './metrics.ts';
import type { Outbox, OutboxEvent } from './outbox.ts';
import type { Reading } from './sources/types.ts';
import type { HiddenFlap, Rejected, Tracker, Transition, Trigger } from './tracker.ts';

/** Most hidden flaps held for one subject; the oldest go first (each was logged). */
const MAX_HELD_FLAPS = 100;

export interface RecorderOptions {
  tracker: Tracker;
  outbox: Pick<Outbox, 'append'>;
  metrics: Pick<AgentMetrics, 'eventsTotal' | 'readingsRejected'>;
  log: Logger;
  /** What the collector takes beyond state changes (the last welcome's features). */
  features: () => ReadonlySet<string>;
}

export class Recorder {
  private readonly heldFlaps = new Map<string, HiddenFlap[]>();
  private readonly rejectedOnce = new Set<string>();

  constructor(private readonly o: RecorderOptions) {}

  /** Records what `target` read at `at`. */
  async record(target: string, readings: readonly Reading[], at: number, trigger: Trigger): Promise<void> {
    const { transitions, flaps, rejected } = this.o.tracker.observe(readings, at, trigger);
    for (const r of rejected) this.reject(target, r);
    for (const t of transitions) logTransition(this.o.log, target, t);
    const events: OutboxEvent[] = transitions.map((t) => this.stateEvent(t));
    for (const f of flaps) {
      const e = this.flapEvent(target, f);
      if (e) events.push(e);
    }
    await this.append(events);
  }

  /** A collector now takes hidden flaps: the held ones go out as events. */
  async releaseFlaps(): Promise<void> {
    if (!this.o.features().has(FEATURES.HIDDEN_FLAP) || this.heldFlaps.size === 0) return;
    const events = [...this.heldFlaps.values()].flat().map(toFlapEvent);
    this.heldFlaps.clear();
    this.o.log.info({ events: events.length }, 'collector takes hidden flaps: held ones sent as events');
    await this.append(events);
  }

  private reject(target: string, { reading: r, problem }: Rejected): void {
    this.o.metrics.readingsRejected.inc({ target });
    const key = `${r.subject}\0${problem}\0${String(r.state)}`;
    if (this.rejectedOnce.has(key)) return;
    this.rejectedOnce.add(key);
    this.o.log.warn({ target, subject: r.subject, kind: r.kind, state: r.state, problem }, 'reading the protocol would refuse; ignored');
  }

  private stateEvent(t: Transition): OutboxEvent {
    const held = this.heldFlaps.get(t.subject);
    let evidence = t.evidence;
    if (held) {
      this.heldFlaps.delete(t.subject);
      evidence = { ...evidence, hiddenFlaps: held.map((f) => ({ since: f.since, at: f.at })) };
    }
    return { subject: t.subject, kind: t.kind, state: t.state, at: t.at, via: t.via, evidence } as OutboxEvent;
  }

  /** The flap's event, or null when it is held for the subject's next event. */
  private flapEvent(target: string, f: HiddenFlap): OutboxEvent | null {
    const takes = this.o.features().has(FEATURES.HIDDEN_FLAP);
    this.o.log.info({ target, subject: f.subject, since: f.since, at: f.at, ...(takes ? {} : { held: true }) },
      takes ? 'hidden flap: down and up again between two polls' : 'hidden flap: down and up again between two polls; held for the next event (the collector does not take hidden-flap events)');
    if (takes) return toFlapEvent(f);
    const held = this.heldFlaps.get(f.subject) ?? [];
    held.push(f);
    this.heldFlaps.set(f.subject, held.slice(-MAX_HELD_FLAPS));
    return null;
  }

  /** Events the disk refuses stay numbered in the outbox, which retries and reports them. */
  private async append(events: OutboxEvent[]): Promise<void> {
    const fit = events.filter((e) => this.fits(e));
    if (fit.length === 0) return;
    try {
      await this.o.outbox.append(fit);
    } catch (e) {
      // Unsaved: numbered and held by the outbox, which logs, counts and retries; anything else is a bug.
      if (!isCoded(e, E.OUTBOX_UNSAVED)) { this.o.log.error({ err: e }, 'outbox refused events'); return; }
    }
    for (const e of fit) this.o.metrics.eventsTotal.inc({ via: e.via });
  }

  /**
   * Checked against the wire schema here, once: the collector would refuse it
   * after it sat in the outbox. (Evidence beyond the protocol's bounds is cut
   * by the outbox, so it is not checked here: it never costs the event.)
   */
  private fits(e: OutboxEvent): boolean {
    const r = AgentEventSchema.safeParse({ seq: 1, ...e, evidence: undefined });
    if (r.success) return true;
    this.o.log.error({ subject: e.subject, problem: describeIssues(r.error) }, 'event does not fit the wire protocol; not recorded');
    return false;
  }
}

function toFlapEvent(f: HiddenFlap): OutboxEvent {
  return { subject: f.subject, kind: 'hidden-flap', since: f.since, at: f.at, via: 'lastchange', evidence: f.evidence };
}

function logTransition(log: Logger, target: string, t: Transition): void {
  if (t.initial) { log.debug({ target, subject: t.subject, state: t.state, at: t.at, via: t.via }, 'initial state'); return; }
  const recovery = (t.state === 'up' || t.state === 'mains') && t.from !== 'unknown';
  log.info({ target, subject: t.subject, from: t.from, to: t.state, at: t.at, via: t.via, ...(recovery ? { recovery } : {}) }, 'state change');
}
