/**
 * Hidden flaps committed with an agent's frame: read back in the
 * customer-month beside the observations, and stored once when the frame is
 * committed again (resent after a lost ack, or to another collector), by the
 * (agent, seq) the agent numbers them with, alike with its state changes.
 */
import { describe, expect, it } from 'vitest';
import type { CommitItem } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';
import { audit, customer } from './ledger.ts';

const T = Date.UTC(2026, 10, 3, 2, 0, 0);

/** A whole frame of `agentId` from `t`: a port event (seq 1), a hidden flap of that port (seq 2), another port's event (seq 3). */
export function flapFrame(agentId: string, t: number): CommitItem {
  const batch = [
    { seq: 1, subject: 'sw1/p1', kind: 'port', state: 'up', at: t, via: 'poll' },
    { seq: 2, subject: 'sw1/p1', kind: 'hidden-flap', since: t + 10_000, at: t + 12_000, via: 'lastchange', evidence: { ifLastChange: 1234 } },
    { seq: 3, subject: 'sw1/p2', kind: 'port', state: 'down', at: t + 15_000, via: 'poll' },
  ];
  return { agentId, receivedAt: t + 20_000, count: batch.length, committed: 3, rejects: [], events: JSON.stringify({ type: 'events', v: 1, batch }) };
}

export function hiddenFlapContract(ctx: ContractContext): void {
  describe('hidden flaps', () => {
    it('reads a committed hidden flap back in the month, and stores it once when its frame is committed twice', async () => {
      const { store } = await ctx.open();
      await store.appendCustomerVersions([{ version: customer('c1', 1, ['sw1/p1', 'sw1/p2']), audit: audit('customer', 'c1', 1) }]);
      await store.commit({ items: [flapFrame('a', T)] });
      await store.commit({ items: [flapFrame('a', T)] });
      await store.settled();

      const snap = await store.readMonth('c1', () => ({ subjects: ['sw1/p1', 'sw1/p2'], from: T - 1000, asOf: T + 60_000 }));
      expect(snap!.hiddenFlaps).toEqual([{ subject: 'sw1/p1', since: T + 10_000, at: T + 12_000 }]);
      // A flap is evidence beside the states, never one: the observations are the two port events.
      expect(await store.countObservations()).toBe(2);
      expect((await store.currentStates()).map((c) => [c.subject, c.state]).sort()).toEqual([['sw1/p1', 'up'], ['sw1/p2', 'down']]);
      expect((await store.cursors()).map((c) => [c.agentId, c.committed, c.above])).toEqual([['a', 3, []]]);
    });
  });
}
