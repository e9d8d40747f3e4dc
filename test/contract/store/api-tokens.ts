/**
 * API tokens made through the admin API (ApiTokenStore): kept by hash with
 * who made them, names and hashes unique (revoked names included), revoking
 * marks the row once, and all of it outlives a restart.
 */
import { describe, expect, it } from 'vitest';
import { DcprobeError, E } from '@dcprobe/shared';
import type { ApiTokenRow } from '../../../collector/src/store/types.ts';
import type { ContractContext } from './index.ts';

const T = Date.UTC(2026, 10, 3, 3, 0, 0);
const row = (name: string, hex: string, customer: string | null = null): ApiTokenRow => ({
  name, role: customer === null ? 'read' : 'customer', customer, tokenHash: `sha256:${hex.repeat(64)}`,
  createdAt: T, createdBy: 'noc-admin', revokedAt: null, revokedBy: null,
});

export function apiTokenContract(ctx: ContractContext): void {
  describe('API tokens', () => {
    it('adds, lists oldest first, and refuses a taken name or hash with a conflict', async () => {
      const { store } = await ctx.open();
      await store.addApiToken(row('portal', 'a', 'cust-a'));
      await store.addApiToken({ ...row('viewer', 'b'), createdAt: T + 1 });
      expect(await store.apiTokens()).toEqual([row('portal', 'a', 'cust-a'), { ...row('viewer', 'b'), createdAt: T + 1 }]);
      for (const dup of [row('portal', 'c'), row('other', 'a')]) {
        const err = await store.addApiToken(dup).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DcprobeError);
        expect((err as DcprobeError).code).toBe(E.CONFLICT);
      }
      expect(await store.apiTokens()).toHaveLength(2);
    });

    it('revokes a live token once, and keeps its name taken', async () => {
      const { store } = await ctx.open();
      await store.addApiToken(row('portal', 'a', 'cust-a'));
      expect(await store.revokeApiToken('portal', T + 5, 'noc-admin')).toBe(true);
      expect(await store.revokeApiToken('portal', T + 6, 'someone')).toBe(false);
      expect(await store.revokeApiToken('nobody', T + 6, 'someone')).toBe(false);
      expect((await store.apiTokens())[0]).toMatchObject({ revokedAt: T + 5, revokedBy: 'noc-admin' });
      await expect(store.addApiToken(row('portal', 'c'))).rejects.toMatchObject({ code: E.CONFLICT });
    });

    ctx.reopenCase('keeps tokens and revocations across a restart', async () => {
      const s = await ctx.open();
      await s.store.addApiToken(row('portal', 'a', 'cust-a'));
      await s.store.addApiToken({ ...row('gone', 'b'), createdAt: T + 1 });
      await s.store.revokeApiToken('gone', T + 5, 'noc-admin');
      const again = await s.reopen!();
      expect((await again.apiTokens()).map((t) => [t.name, t.revokedAt])).toEqual([['portal', null], ['gone', T + 5]]);
    });
  });
}
