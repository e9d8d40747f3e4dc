/**
 * Ingest commits: durable, each (agent, seq) stored once, rejects kept, the
 * agents' cursors and current states as a restart reads them.
 */
import { describe, expect, it } from 'vitest';
import type { CommitItem } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);

export function portEvent(seq: number, subject = `sw1/p${seq % 4}`, state = seq % 2 ? 'down' : 'up', at = T0 + seq * 1000) {
  return { seq, subject, kind: 'port', state, at, via: 'poll', ...(seq % 3 ? {} : { evidence: { seq } }) };
}

/** One agent frame's commit item: events `seqs`, sent as a whole frame or as an array of the new events. */
export function item(agentId: string, seqs: number[], committed: number, o: { frame?: boolean; rejects?: CommitItem['rejects']; receivedAt?: number } = {}): CommitItem {
  const events = seqs.map((s) => portEvent(s));
  return {
    agentId, receivedAt: o.receivedAt ?? T0 + 10_000, count: events.length, committed, rejects: o.rejects ?? [],
    events: o.frame ? JSON.stringify({ type: 'events', v: 1, batch: events }) : JSON.stringify(events),
  };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export function ingestContract(ctx: ContractContext): void {
  describe('ingest commits', () => {
    it('stores every event of a job once settled, from whole frames and from event arrays alike', async () => {
      const { store } = await ctx.open();
      await store.commit({ items: [item('a', range(1, 150), 150), item('b', range(1, 3), 3, { frame: true })] });
      await store.settled();
      expect(await store.countObservations()).toBe(153);
      expect(store.ingestStats()).toEqual({ pending: 0, duplicate: 0, quarantined: 0 });
      expect((await store.cursors()).map((c) => [c.agentId, c.committed, c.above])).toEqual([['a', 150, []], ['b', 3, []]]);
    });

    it('stores an (agent, seq) once: a resent event is counted as a duplicate, and a lower cursor never moves the stored one back', async () => {
      const { store } = await ctx.open();
      await store.commit({ items: [item('a', range(1, 10), 10)] });
      await store.commit({ items: [item('a', range(6, 15), 8), item('b', range(6, 7), 7)] }); // 6..10 again for a; b's 6, 7 are its own
      await store.settled();
      expect(await store.countObservations()).toBe(17);
      expect(store.ingestStats().duplicate).toBe(5);
      expect((await store.cursors()).find((c) => c.agentId === 'a')!.committed).toBe(10);
    });

    it('keeps rejected events verbatim with their reason, their seqs counted above the cursor', async () => {
      const { store } = await ctx.open();
      const raw = '{"seq":7,"state":"sideways"}';
      await store.commit({ items: [item('a', [1, 2, 3, 8], 3, { rejects: [[7, 'batch[3]: state: invalid', raw], [null, 'batch[4]: not an object', '42']] })] });
      await store.settled();
      const rejected = await store.rejectedEvents('a');
      expect(rejected.map((r) => [r.seq, r.reason, r.raw])).toEqual([[7, 'batch[3]: state: invalid', raw], [null, 'batch[4]: not an object', '42']]);
      expect(rejected[0]!.receivedAt).toBe(T0 + 10_000);
      const a = (await store.cursors()).find((c) => c.agentId === 'a')!;
      expect([a.committed, [...a.above].sort((x, y) => x - y)]).toEqual([3, [7, 8]]);
      expect(await store.rejectedEvents('nobody')).toEqual([]);
    });

    it('holds the latest observation of every subject as its current state', async () => {
      const { store } = await ctx.open();
      await store.commit({ items: [item('a', range(1, 9), 9)] });
      await store.settled();
      const current = (await store.currentStates()).sort((x, y) => x.subject.localeCompare(y.subject));
      // Seqs 1..9 go round sw1/p1, p2, p3, p0: the last of each is 9, 6, 7, 8.
      expect(current).toEqual([8, 9, 6, 7].map((seq, p) => ({ subject: `sw1/p${p}`, kind: 'port', state: seq % 2 ? 'down' : 'up', at: T0 + seq * 1000, agentId: 'a' })));
    });

    ctx.reopenCase('gives a restart the cursors, the seqs above a gap and the current states it committed', async () => {
      const s = await ctx.open();
      await s.store.commit({ items: [item('a', range(1, 5), 5), item('a', [8, 9], 5, { rejects: [[7, 'bad', '{}']] })] });
      const again = await s.reopen!();
      const a = (await again.cursors()).find((c) => c.agentId === 'a')!;
      expect([a.committed, [...a.above].sort((x, y) => x - y)]).toEqual([5, [7, 8, 9]]);
      expect(await again.countObservations()).toBe(7);
      expect((await again.currentStates()).length).toBe(4);
    });

    it('fails a job it cannot store whole and stores nothing of it', async () => {
      const { store } = await ctx.open();
      const bad = { ...item('a', range(11, 15), 15), committed: 'fifteen' as unknown as number };
      await expect(store.commit({ items: [item('a', range(1, 10), 10), bad] })).rejects.toThrow();
      await store.settled();
      expect(await store.countObservations()).toBe(0);
      await store.commit({ items: [item('a', range(1, 10), 10)] });
      await store.settled();
      expect(await store.countObservations()).toBe(10);
    });
  });

  describe('observations', () => {
    it('imports in bulk, skipping an (agent, seq) already stored', async () => {
      const { store } = await ctx.open();
      const row = (seq: number | null, agentId: string | null) => ({ subject: 'ups1/output', kind: 'power' as const, state: 'mains' as const, at: T0, via: 'poll' as const, agentId, seq });
      expect(await store.importObservations([row(1, 'a'), row(2, 'a'), row(null, null), row(null, null)], T0)).toBe(4);
      expect(await store.importObservations([row(2, 'a'), row(3, 'a')], T0)).toBe(1);
      expect(await store.countObservations()).toBe(5);
    });

    it('tells which subjects got observations since a mark', async () => {
      const { store } = await ctx.open();
      const first = await store.observedSince(null);
      expect(first.subjects).toEqual([]);
      await store.commit({ items: [item('a', [1, 2], 2)] });
      await store.settled();
      const next = await store.observedSince(first.mark);
      expect(next.subjects.sort()).toEqual(['sw1/p1', 'sw1/p2']);
      expect((await store.observedSince(next.mark)).subjects).toEqual([]);
    });
  });
}
