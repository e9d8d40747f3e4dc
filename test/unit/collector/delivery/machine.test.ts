/**
 * The delivery state machine: every step is persistable data, a receipt ends
 * it, failures back off exponentially with jitter up to a bound, a permanent
 * failure ends it at once, and an attempt left open by a stopped collector is
 * recovered as interrupted and due again at once under the same id.
 */
import { describe, expect, it } from 'vitest';
import { begin, isDue, newDelivery, recover, retryDelayMs, settle } from '../../../../collector/src/delivery/machine.ts';
import type { AttemptOutcome, Delivery, RetryPolicy } from '../../../../collector/src/delivery/types.ts';

const T0 = Date.parse('2026-11-03T11:00:00Z');
const POLICY: RetryPolicy = { firstDelayMs: 1000, maxDelayMs: 16_000, maxAttempts: 8, maxAgeMs: 3_600_000 };
const fresh = () => newDelivery({ id: 'D-1', channel: 'webhook', customer: 'cust-a', item: { kind: 'notice', id: 'N-1' }, target: 'https://x.example/hook', createdAt: T0 });
const fail = (permanent = false, retryAfterMs?: number): AttemptOutcome => ({ kind: 'failure', failure: 'http_status', detail: 'HTTP 503', permanent, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
/** Each state as the store would read it back. */
const persisted = (d: Delivery): Delivery => JSON.parse(JSON.stringify(d)) as Delivery;

describe('delivery state machine', () => {
  it('begins, and ends delivered with the receipt\'s own time', () => {
    const d0 = fresh();
    expect(isDue(d0, T0)).toBe(true);
    const d1 = persisted(begin(d0, T0 + 5));
    expect([d1.status, d1.attempts, d1.nextAttemptAt]).toEqual(['sending', [{ n: 1, startedAt: T0 + 5, endedAt: null, outcome: null }], null]);
    const d2 = persisted(settle(d1, { kind: 'receipt', at: T0 + 40, response: 'HTTP 200' }, T0 + 41, POLICY, 0.5));
    expect([d2.status, d2.receipt, d2.nextAttemptAt, d2.attempts[0]!.endedAt]).toEqual(['delivered', { at: T0 + 40, response: 'HTTP 200' }, null, T0 + 41]);
    expect(() => begin(d2, T0 + 50)).toThrow('delivery D-1 is delivered, not pending');
  });

  it('backs off exponentially with jitter in [½, 1) of the step, capped, until the attempts run out', () => {
    let d = fresh(), now = T0;
    const waits: number[] = [];
    for (let i = 0; i < 20 && d.status === 'pending'; i++) {
      d = persisted(settle(begin(d, now), fail(), now, POLICY, 0.999));
      if (d.status === 'pending') { waits.push(d.nextAttemptAt! - now); now = d.nextAttemptAt!; }
    }
    expect(waits).toEqual([1000, 1999, 3998, 7996, 15_992, 15_992, 15_992]);
    expect([d.status, d.attempts.length, d.nextAttemptAt]).toEqual(['failed', POLICY.maxAttempts, null]);
    expect([retryDelayMs(1, POLICY, 0), retryDelayMs(3, POLICY, 0), retryDelayMs(30, POLICY, 0)]).toEqual([500, 2000, 8000]);
  });

  it('honours Retry-After up to the cap', () => {
    expect(retryDelayMs(1, POLICY, 0, 10_000)).toBe(10_000);
    expect(retryDelayMs(1, POLICY, 0, 3_600_000)).toBe(16_000);
    const d = settle(begin(fresh(), T0), fail(false, 12_000), T0, POLICY, 0);
    expect(d.nextAttemptAt).toBe(T0 + 12_000);
  });

  it('gives up when the next attempt would start past the age bound', () => {
    const old = { ...fresh(), createdAt: T0 - POLICY.maxAgeMs + 499 }; // next attempt at T0 + 500: 1 ms too late
    expect(settle(begin(old, T0), fail(), T0, POLICY, 0).status).toBe('failed');
    const young = { ...fresh(), createdAt: T0 - POLICY.maxAgeMs + 500 };
    expect(settle(begin(young, T0), fail(), T0, POLICY, 0).status).toBe('pending');
  });

  it('ends at once on a permanent failure', () => {
    const d = settle(begin(fresh(), T0), fail(true), T0, POLICY, 0);
    expect([d.status, d.nextAttemptAt, d.attempts.length]).toEqual(['failed', null, 1]);
  });

  it('recovers an attempt a stopped collector left open: interrupted, due at once, same id', () => {
    const sending = persisted(begin(fresh(), T0));
    const r = recover(sending, T0 + 60_000);
    expect(r.id).toBe('D-1');
    expect([r.status, r.nextAttemptAt, r.attempts[0]!.endedAt, r.attempts[0]!.outcome]).toEqual(['pending', T0 + 60_000, T0 + 60_000,
      { kind: 'failure', failure: 'interrupted', detail: 'collector stopped during the attempt', permanent: false }]);
    const again = begin(r, T0 + 60_000);
    expect(again.attempts.map((a) => a.n)).toEqual([1, 2]);
    for (const d of [fresh(), settle(begin(fresh(), T0), fail(), T0, POLICY, 0)]) expect(recover(d, T0 + 1)).toBe(d);
  });

  it('refuses to settle what is not being sent', () => {
    expect(() => settle(fresh(), fail(), T0, POLICY, 0)).toThrow('delivery D-1 has no attempt in progress');
  });
});
