/**
 * Live reconciliation from the store gives exactly what the offline reconciler
 * gives on the scenario file, for every shared acceptance case (each case loaded
 * into a store: customers, observations, reports, exclusions).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { toScenario } from '../../../../collector/src/sla/to-scenario.ts';
import { loadInput } from './load.ts';

const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');
const scenarios = readdirSync(DIR).filter((f) => /^\d\d-.*(?<!expected)\.json$/.test(f)).sort();

describe('live reconciliation from the store', () => {
  it('covers all twelve examples', () => { expect(scenarios).toHaveLength(12); });

  it.each(scenarios)('%s: store → reconcile equals scenario → reconcile', async (f) => {
    const input = parseScenario(JSON.parse(readFileSync(join(DIR, f), 'utf8')));
    const { ledger, store } = await loadInput(input);
    const offline = reconcile(input);
    for (const c of input.customers) {
      const live = await ledger.live.result(c.id, input.month, input.asOf);
      expect(live.customers).toEqual([offline.customers.find((x) => x.id === c.id)]);
      // and the exported scenario reconciles to the same result again
      const again = reconcile(parseScenario(toScenario(await ledger.live.input(c.id, input.month, input.asOf))));
      expect(again).toEqual(live);
    }
    await store.close();
  });

  it('10-month-boundary: December from the store equals December offline', async () => {
    const input = parseScenario(JSON.parse(readFileSync(join(DIR, '10-month-boundary.json'), 'utf8')), { month: '2026-12' });
    const { ledger } = await loadInput(input);
    const live = await ledger.live.result(input.customers[0]!.id, '2026-12', input.asOf);
    expect(live).toEqual(reconcile(input));
    expect(live.customers[0]!.services.network!.countableSeconds).toBe(25 * 60);
  });

  it('unknown customer is a coded not-found error', async () => {
    const { ledger } = await loadInput(parseScenario(JSON.parse(readFileSync(join(DIR, scenarios[0]!), 'utf8'))));
    await expect(ledger.live.input('nobody', '2026-11', Date.now())).rejects.toThrow(expect.objectContaining({ code: 'DCP_NOT_FOUND' }));
  });
});
