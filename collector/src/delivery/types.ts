/**
 * A delivery: one notice or statement sent to one customer over one channel,
 * with every attempt. It is plain data so the store can persist it after each
 * step; machine.ts moves it from state to state, senders do the I/O.
 *
 * Receipt is what the contract counts as the customer receiving it: for a
 * webhook the customer's 2xx, for e-mail the relay's 250 after DATA, each at
 * the instant it arrived.
 */
export const CHANNELS = ['webhook', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** pending: waiting for nextAttemptAt; sending: an attempt begun and not settled (a crash leaves it so). */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

/** What is delivered: a restoration notice or a frozen statement. */
export interface DeliveryItem { kind: 'notice' | 'statement'; id: string }

export type FailureKind =
  | 'refused' | 'timeout' | 'tls' | 'network' | 'http_status' | 'smtp_status'
  /** The collector stopped between sending and settling: the receiver may have it (same delivery id). */
  | 'interrupted';

export type AttemptOutcome =
  | { kind: 'receipt'; at: number; response: string }
  | { kind: 'failure'; failure: FailureKind; detail: string; permanent: boolean; retryAfterMs?: number };

export interface Attempt {
  n: number;
  startedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome | null;
}

export interface Receipt { at: number; response: string }

export interface Delivery {
  /** Stable across retries: the receiver's idempotency key (webhook-id header, Message-ID). */
  id: string;
  channel: Channel;
  customer: string;
  item: DeliveryItem;
  /** The webhook URL or e-mail address (never a secret). */
  target: string;
  createdAt: number;
  status: DeliveryStatus;
  attempts: Attempt[];
  /** When the next attempt is due; null once delivered or failed. */
  nextAttemptAt: number | null;
  receipt: Receipt | null;
}

/**
 * Exponential backoff with jitter: attempt n waits firstDelay·2^(n-1), capped
 * at maxDelay, scaled by a random factor in [0.5, 1) so receivers coming back
 * are not hit by every collector at once. Bounded by attempts and by age.
 */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** No attempt starts later than this after the delivery was created. */
  maxAgeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  firstDelayMs: 30_000, maxDelayMs: 3_600_000, maxAttempts: 30, maxAgeMs: 3 * 86_400_000,
};
