/**
 * The poll loop (blackbox_exporter's handler role): owns timing, jitter, the
 * abort signal and the per-target self-metrics; sources only return readings
 * or throw. Each target runs on its own interval, at most `concurrency` polls
 * run at once, and a slow or dead target only ever delays itself.
 *
 * A failing target is logged once per episode — at the first failure and at
 * recovery — not once per poll; the caller turns its subjects `unknown`.
 */
import type { Logger } from 'pino';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Reading, SourceInstance, TargetBase } from './sources/types.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Trigger } from './tracker.ts';

export const POLL_TIMEOUT = E.POLL_TIMEOUT;
/** Label for errors a source threw without a code (a bug in the source). */
export const UNCODED = E.UNCODED;

export interface PollTarget {
  target: TargetBase;
  instance: SourceInstance;
  /** The target's log (one child logger a target, shared with its source); a child of the poller's log by default. */
  log?: Logger;
}

export interface PollerOptions {
  targets: readonly PollTarget[];
  concurrency: number;
  now: () => number;
  log: Logger;
  metrics?: Pick<AgentMetrics, 'pollDuration' | 'pollErrors'>;
  onReadings(target: string, readings: Reading[], at: number, trigger: Trigger): void | Promise<void>;
  onFailure(target: string, error: DcprobeError, at: number): void | Promise<void>;
  /** Per-poll timeout; default the interval, within [1 s, 30 s]. */
  timeoutMs?: (t: TargetBase) => number;
  /** First polls are spread over [0, min(interval, this)) so start-up does not burst. */
  startSpreadMs?: number;
  /** Fraction of the interval by which each next poll is shifted at random (±). */
  jitter?: number;
  /** Trap-triggered polls of one target are at least this far apart. */
  minTrapGapMs?: number;
  random?: () => number;
}

export interface Poller {
  /** A confirming poll now (trap receiver); false for an unknown target. */
  triggerPoll(target: string): boolean;
  close(): Promise<void>;
}

interface Slot {
  pt: PollTarget;
  /** The target's log, made once (a pino child per poll is measurable at 200 polls a second). */
  log: Logger;
  timer?: NodeJS.Timeout;
  state: 'idle' | 'queued' | 'running';
  trigger: Trigger;
  again: boolean;
  lastStart: number;
  failing?: { since: number; count: number; code: string };
  abort?: AbortController;
  done?: Promise<void>;
}

export function startPoller(o: PollerOptions): Poller {
  const random = o.random ?? Math.random;
  const jitter = o.jitter ?? 0.1;
  const minTrapGap = o.minTrapGapMs ?? 1_000;
  const timeoutOf = o.timeoutMs ?? ((t: TargetBase) => Math.min(30_000, Math.max(1_000, t.intervalSeconds * 1000)));
  const slots = new Map<string, Slot>();
  const queue: Slot[] = [];
  let running = 0;
  let closed = false;

  const intervalMs = (s: Slot) => s.pt.target.intervalSeconds * 1000;

  function schedule(s: Slot, delayMs: number): void {
    clearTimeout(s.timer);
    if (closed) return;
    s.timer = setTimeout(() => enqueue(s, 'poll'), Math.max(0, delayMs));
  }

  function enqueue(s: Slot, trigger: Trigger): void {
    if (closed) return;
    if (trigger === 'trap') s.trigger = 'trap';
    if (s.state === 'running') { s.again ||= trigger === 'trap'; return; }
    if (s.state === 'queued') return;
    clearTimeout(s.timer);
    s.state = 'queued';
    queue.push(s);
    dispatch();
  }

  function dispatch(): void {
    while (!closed && running < o.concurrency && queue.length > 0) {
      const s = queue.shift()!;
      running++;
      s.done = run(s).finally(() => {
        running--;
        s.state = 'idle';
        s.done = undefined;
        const next = s.again
          ? Math.max(0, s.lastStart + minTrapGap - Date.now())
          : s.lastStart + intervalMs(s) * (1 + jitter * (2 * random() - 1)) - Date.now();
        s.trigger = s.again ? 'trap' : 'poll';
        s.again = false;
        schedule(s, next);
        dispatch();
      });
    }
  }

  async function run(s: Slot): Promise<void> {
    const { target, instance } = s.pt;
    s.state = 'running';
    s.lastStart = Date.now();
    const trigger = s.trigger;
    const at = o.now();
    const abort = new AbortController();
    s.abort = abort;
    const ms = timeoutOf(target);
    const timer = setTimeout(() => abort.abort(new DcprobeError(POLL_TIMEOUT, `poll of ${target.name} timed out after ${ms / 1000} s`)), ms);
    const stop = o.metrics?.pollDuration.startTimer({ target: target.name });
    let readings: Reading[] | undefined;
    let error: DcprobeError | undefined;
    try {
      readings = await untilAborted(instance.poll({ signal: abort.signal, now: o.now, log: s.log }), abort.signal);
    } catch (e) {
      error = coded(abort.signal.aborted ? abort.signal.reason : e);
    } finally {
      clearTimeout(timer);
      stop?.();
      s.abort = undefined;
    }
    if (closed) return;
    try {
      if (error) {
        o.metrics?.pollErrors.inc({ target: target.name, code: error.code });
        noteFailure(s, error, at);
        await o.onFailure(target.name, error, at);
      } else {
        noteSuccess(s, at);
        await o.onReadings(target.name, readings!, at, trigger);
      }
    } catch (e) {
      o.log.error({ err: e, target: target.name }, 'handling a poll result failed');
    }
  }

  function noteFailure(s: Slot, e: DcprobeError, at: number): void {
    const name = s.pt.target.name;
    if (!s.failing) {
      s.failing = { since: at, count: 1, code: e.code };
      const bug = e.code === UNCODED;
      o.log[bug ? 'error' : 'warn']({ target: name, code: e.code, error: e.message, ...(bug ? { err: e.cause } : {}) },
        'target poll failing: its subjects are unknown until it answers again');
      return;
    }
    s.failing.count++;
    s.failing.code = e.code;
    o.log.debug({ target: name, code: e.code, failures: s.failing.count }, 'target poll still failing');
  }

  function noteSuccess(s: Slot, at: number): void {
    if (!s.failing) return;
    o.log.info({ target: s.pt.target.name, failures: s.failing.count, failingForMs: at - s.failing.since }, 'target answering again');
    s.failing = undefined;
  }

  for (const pt of o.targets) {
    const s: Slot = { pt, log: pt.log ?? o.log.child({ target: pt.target.name }), state: 'idle', trigger: 'poll', again: false, lastStart: 0 };
    slots.set(pt.target.name, s);
    schedule(s, random() * Math.min(intervalMs(s), o.startSpreadMs ?? 2_000));
  }

  return {
    triggerPoll(name) {
      const s = slots.get(name);
      if (!s) return false;
      const wait = s.lastStart + minTrapGap - Date.now();
      if (s.state === 'idle' && wait > 0) { s.trigger = 'trap'; schedule(s, wait); } else enqueue(s, 'trap');
      return true;
    },
    async close() {
      closed = true;
      queue.length = 0;
      const inFlight: Promise<void>[] = [];
      for (const s of slots.values()) {
        clearTimeout(s.timer);
        s.abort?.abort(new DcprobeError(POLL_TIMEOUT, 'agent shutting down'));
        if (s.done) inFlight.push(s.done);
      }
      await Promise.allSettled(inFlight);
    },
  };
}

/** Settles when the poll does or the signal fires, so a source that ignores its signal cannot hold a slot. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function coded(e: unknown): DcprobeError {
  if (e instanceof DcprobeError) return e;
  return new DcprobeError(UNCODED, e instanceof Error ? e.message : String(e), { cause: e });
}
