/**
 * The hash chain's head as /metrics reads it (ChainStore.chainHead): a store
 * that keeps a chain starts at the genesis, and every append moves the head on
 * by at least one link; a store that keeps none says so with null, always.
 */
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './index.ts';
import { item } from './ingest.ts';

export function chainContract(ctx: ContractContext): void {
  describe('hash chain head', () => {
    it('moves on with every append, or is null throughout for a store that keeps no chain', async () => {
      const { store } = await ctx.open();
      const before = await store.chainHead();
      await store.commit({ items: [item('a', [1, 2, 3], 3)] });
      await store.settled();
      const after = await store.chainHead();
      if (before === null) { expect(after).toBeNull(); return; }
      expect(before).toEqual({ links: 0, head: '0'.repeat(64) });
      expect(after!.links).toBeGreaterThan(before.links);
      expect(after!.head).toMatch(/^[0-9a-f]{64}$/);
      expect(after!.head).not.toBe(before.head);
    });
  });
}
