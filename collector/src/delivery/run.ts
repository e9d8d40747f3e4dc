/**
 * One attempt with its I/O: begin → save → send → settle → save. The clock,
 * the randomness, the persistence and the sender are passed in; the store
 * supplies `save` later, tests pass a file or an array.
 *
 *   attempt(delivery, content, sender, deps) → { delivery, outcome, nextAttemptAt }
 *   runDelivery(…) repeats attempts at their due times until delivered or failed.
 */
import { begin, recover, settle } from './machine.ts';
import type { AttemptOutcome, Channel, Delivery, RetryPolicy } from './types.ts';

/** Sends one attempt. Network and receiver failures are outcomes, never thrown. */
export interface Sender<C> {
  channel: Channel;
  send(delivery: Delivery, content: C): Promise<AttemptOutcome>;
}

export interface AttemptDeps {
  now: () => number;
  /** In [0, 1): the jitter of the next retry. */
  random: () => number;
  /** Persists the delivery; it must be durable when the promise resolves. */
  save: (d: Delivery) => Promise<void> | void;
  policy: RetryPolicy;
}

export interface AttemptResult { delivery: Delivery; outcome: AttemptOutcome; nextAttemptAt: number | null }

export async function attempt<C>(d: Delivery, content: C, sender: Sender<C>, deps: AttemptDeps): Promise<AttemptResult> {
  const sending = begin(d, deps.now());
  await deps.save(sending); // durable before anything leaves: a crash from here on is an interrupted attempt
  let outcome: AttemptOutcome;
  try {
    outcome = await sender.send(sending, content);
  } catch (e) {
    // A sender bug must not leave the delivery open forever: record it and retry.
    outcome = { kind: 'failure', failure: 'network', detail: `sender error: ${(e as { code?: string }).code ?? 'unexpected'}`, permanent: false };
  }
  const settled = settle(sending, outcome, deps.now(), deps.policy, deps.random());
  await deps.save(settled);
  return { delivery: settled, outcome, nextAttemptAt: settled.nextAttemptAt };
}

export interface RunDeps extends AttemptDeps {
  /** Resolves at (or after) the given instant: the scheduler. */
  sleepUntil: (at: number) => Promise<void>;
}

/** Recovers an interrupted attempt, then attempts at each due time until delivered or failed. */
export async function runDelivery<C>(d: Delivery, content: C, sender: Sender<C>, deps: RunDeps): Promise<Delivery> {
  let cur = recover(d, deps.now());
  if (cur !== d) await deps.save(cur);
  // Bounded: every attempt either ends the delivery or counts towards policy.maxAttempts.
  while (cur.status === 'pending') {
    await deps.sleepUntil(cur.nextAttemptAt!);
    cur = (await attempt(cur, content, sender, deps)).delivery;
  }
  return cur;
}
