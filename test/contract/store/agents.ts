/**
 * Agents, their gaps and the observations the collector makes itself: a
 * silence opens a gap and turns subjects unknown, a hello records the agent,
 * closes the gap with its own view, and records seqs it lost.
 */
import { describe, expect, it } from 'vitest';
import type { ObservationRow } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';
import { item } from './ingest.ts';

const T = Date.UTC(2026, 10, 3, 3, 0, 0);
const obs = (subject: string, state: ObservationRow['state'], at: number, via: ObservationRow['via']): ObservationRow =>
  ({ subject, kind: 'port', state, at, via, agentId: 'a', seq: null, ...(via === 'gap' ? { evidence: { reason: 'silent' } } : {}) });

export function agentContract(ctx: ContractContext): void {
  describe('agents and gaps', () => {
    it('records a hello: the agent row with its clock offset, version and host', async () => {
      const { store } = await ctx.open();
      await store.recordHello({ agentId: 'a', at: T, clockOffsetMs: -1500, version: '1.2.3', host: { hostname: 'rack-a' }, closeGap: false, observations: [] });
      await store.recordHello({ agentId: 'a', at: T + 60_000, clockOffsetMs: 20, version: null, host: undefined, closeGap: false, observations: [] });
      expect(await store.agents()).toEqual([{
        id: 'a', committedSeq: 0, firstSeen: T, lastSeen: T + 60_000, clockOffsetMs: 20, version: '1.2.3', host: JSON.stringify({ hostname: 'rack-a' }),
      }]);
    });

    it('opens a gap for a silent agent with its subjects unknown, and closes it at the hello with the agent\'s own view', async () => {
      const { store } = await ctx.open();
      await store.commit({ items: [item('a', [1, 2], 2)] });
      await store.settled();
      await store.recordSilence({ agentId: 'a', at: T + 30_000, start: T, observations: [obs('sw1/p1', 'unknown', T, 'gap'), obs('sw1/p2', 'unknown', T, 'gap')] });
      expect((await store.openGaps()).map((g) => [g.agentId, g.start, g.end, g.reason])).toEqual([['a', T, null, 'silent']]);
      expect((await store.currentStates()).map((s) => s.state)).toEqual(['unknown', 'unknown']);
      await store.recordHello({ agentId: 'a', at: T + 90_000, clockOffsetMs: 0, version: 't', host: {}, closeGap: true, observations: [obs('sw1/p1', 'up', T + 90_000, 'resync')] });
      expect(await store.openGaps()).toEqual([]);
      expect((await store.gaps(T - 1, T + 1)).map((g) => [g.start, g.end, g.reason])).toEqual([[T, T + 90_000, 'silent']]);
      expect(await store.gaps(T + 90_000, T + 100_000)).toEqual([]);
      const current = Object.fromEntries((await store.currentStates()).map((s) => [s.subject, [s.state, s.at, s.agentId]]));
      expect(current).toEqual({ 'sw1/p1': ['up', T + 90_000, 'a'], 'sw1/p2': ['unknown', T, 'a'] });
      expect(await store.countObservations()).toBe(5);
    });

    it('gives an agent\'s claim the subjects whose latest observation is its own, with their state, and its stored cursor', async () => {
      const { store } = await ctx.open();
      // a reports sw1/p1 and sw1/p2; b reports sw1/p1 later (seq 5 is at T0 + 5 s), so sw1/p1 is b's now.
      await store.commit({ items: [item('a', [1, 2], 2), item('b', [5], 5)] });
      await store.settled();
      const a = await store.claimAgent('a', T);
      expect(a.owned.map((s) => [s.subject, s.state, s.agentId])).toEqual([['sw1/p2', 'up', 'a']]);
      expect([a.cursor.committed, a.inGap]).toEqual([2, false]);
      expect((await store.claimAgent('b', T)).owned.map((s) => [s.subject, s.state, s.agentId])).toEqual([['sw1/p1', 'down', 'b']]);
      expect((await store.claimAgent('nobody', T)).owned).toEqual([]);
    });

    it('records the seqs an agent lost as a closed gap and moves its cursor past them', async () => {
      const { store } = await ctx.open();
      await store.commit({ items: [item('a', [1, 2, 3], 3)] });
      await store.settled();
      await store.recordHello({ agentId: 'a', at: T, clockOffsetMs: 0, version: 't', host: {}, closeGap: false, observations: [], lost: { from: 4, to: 9, committed: 9 } });
      expect((await store.gaps(T - 1, T + 1)).map((g) => [g.start, g.end, g.reason])).toEqual([[T, T, 'events_lost']]);
      expect(await store.openGaps()).toEqual([]);
      expect((await store.cursors()).map((c) => [c.agentId, c.committed])).toEqual([['a', 9]]);
      // A commit prepared against the old cursor never moves it back.
      await store.commit({ items: [item('a', [10], 10)] });
      await store.settled();
      expect((await store.agents())[0]!.committedSeq).toBe(10);
    });
  });
}
