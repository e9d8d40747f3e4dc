/**
 * The delivery state machine, pure: each step takes a delivery and the time
 * and returns the next delivery, which the caller persists before it does
 * anything else. `begin` is saved before the send, so a collector that dies
 * between send and receipt finds the attempt open at restart (`recover`),
 * counts it as interrupted and sends again under the same delivery id, which
 * the receiver uses to drop the duplicate. Nothing is lost, and a receiver
 * that de-duplicates records nothing twice.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type { AttemptOutcome, Delivery, DeliveryItem, Channel, RetryPolicy } from './types.ts';

export interface NewDelivery { id: string; channel: Channel; customer: string; item: DeliveryItem; target: string; createdAt: number }

export function newDelivery(f: NewDelivery): Delivery {
  return { ...f, item: { ...f.item }, status: 'pending', attempts: [], nextAttemptAt: f.createdAt, receipt: null };
}

export function isDue(d: Delivery, now: number): boolean {
  return d.status === 'pending' && d.nextAttemptAt !== null && d.nextAttemptAt <= now;
}

/** Opens attempt n+1. Only a pending delivery can begin (a due time in the future may be overridden: "send now"). */
export function begin(d: Delivery, now: number): Delivery {
  if (d.status !== 'pending') throw new DcprobeError(E.VALIDATION, `delivery ${d.id} is ${d.status}, not pending`);
  return {
    ...d, status: 'sending', nextAttemptAt: null,
    attempts: [...d.attempts, { n: d.attempts.length + 1, startedAt: now, endedAt: null, outcome: null }],
  };
}

/** Closes the open attempt with its outcome and decides what comes next. `random` in [0, 1). */
export function settle(d: Delivery, outcome: AttemptOutcome, now: number, policy: RetryPolicy, random: number): Delivery {
  const open = d.attempts[d.attempts.length - 1];
  if (d.status !== 'sending' || !open) throw new DcprobeError(E.VALIDATION, `delivery ${d.id} has no attempt in progress`);
  const attempts = [...d.attempts.slice(0, -1), { ...open, endedAt: now, outcome }];
  if (outcome.kind === 'receipt') {
    return { ...d, attempts, status: 'delivered', nextAttemptAt: null, receipt: { at: outcome.at, response: outcome.response } };
  }
  const next = now + retryDelayMs(attempts.length, policy, random, outcome.retryAfterMs);
  const exhausted = attempts.length >= policy.maxAttempts || next > d.createdAt + policy.maxAgeMs;
  if (outcome.permanent || exhausted) return { ...d, attempts, status: 'failed', nextAttemptAt: null };
  return { ...d, attempts, status: 'pending', nextAttemptAt: next };
}

/**
 * At start-up: an attempt left open by a stopped collector may or may not have
 * reached the receiver. It is closed as interrupted and the delivery is due at
 * once; the resend carries the same id.
 */
export function recover(d: Delivery, now: number): Delivery {
  if (d.status !== 'sending') return d;
  const open = d.attempts[d.attempts.length - 1]!;
  const outcome: AttemptOutcome = { kind: 'failure', failure: 'interrupted', detail: 'collector stopped during the attempt', permanent: false };
  return { ...d, attempts: [...d.attempts.slice(0, -1), { ...open, endedAt: now, outcome }], status: 'pending', nextAttemptAt: now };
}

/** The wait after failed attempt n (1-based); a receiver's Retry-After is honoured up to maxDelay. */
export function retryDelayMs(n: number, p: RetryPolicy, random: number, retryAfterMs?: number): number {
  const exp = Math.min(p.maxDelayMs, p.firstDelayMs * 2 ** Math.min(n - 1, 40));
  const jittered = Math.round(exp * (0.5 + random / 2));
  return Math.min(p.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}
