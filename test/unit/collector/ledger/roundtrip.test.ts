/**
 * Random ledgers (observations, reports with corrections, exclusions, customer
 * versions that move ports mid-month): the live result always equals the offline
 * reconcile of the exported scenario, and the tenure rewrite never puts two
 * observations of a subject at one instant.
 */
import { describe, expect, it } from 'vitest';
import { customerSchema } from '../../../../collector/src/config.ts';
import { openStore } from '../../../../collector/src/store/open.ts';
import type { ObservationRow } from '../../../../collector/src/store/types.ts';
import { SlaLedger } from '../../../../collector/src/ledger/index.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { toScenario } from '../../../../collector/src/sla/to-scenario.ts';
import { EXCLUSION_CATEGORIES } from '../../../../collector/src/sla/types.ts';

function prng(seed: number) {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
}

const M0 = Date.parse('2026-11-01T00:00:00+08:00');
const DAY = 86_400_000;
const PORTS = ['sw1/p1', 'sw1/p2', 'sw1/p3'];
const UPLINKS = ['sw1/u1', 'sw1/u2'];

describe('live input round-trips through the scenario file', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('seed %i', async (seed) => {
    const r = prng(seed);
    const pick = <T>(l: readonly T[]): T => l[Math.floor(r() * l.length)]!;
    const when = (from = M0 - 8 * DAY, span = 40 * DAY) => from + Math.floor(r() * span / 60_000) * 60_000;
    const store = await openStore(':memory:');
    const ledger = await SlaLedger.open(store);
    const spec = () => customerSchema.parse({
      id: 'c', timezone: pick(['Asia/Shanghai', 'Europe/Berlin', 'America/New_York']),
      network: { ports: PORTS.filter(() => r() < 0.6).concat(pick(PORTS)).filter((p, i, a) => a.indexOf(p) === i), redundancy: pick(['any', 'all']), uplinks: UPLINKS.filter(() => r() < 0.5) },
      ...(r() < 0.5 ? { power: { feeds: ['ups/out'] } } : {}),
    });
    await ledger.customers.put(spec(), r() < 0.5 ? 0 : when(), 'api', 't', 0);
    for (let v = Math.floor(r() * 3); v > 0; v--) await ledger.customers.put(spec(), when(), 'api', 't', 0);
    const rows: ObservationRow[] = [];
    for (let i = 0; i < 40; i++) {
      const s = pick([...PORTS, ...UPLINKS, 'ups/out']);
      const power = s === 'ups/out';
      rows.push({ subject: s, kind: power ? 'power' : 'port', state: pick(power ? ['mains', 'battery', 'off', 'unknown'] : ['up', 'down', 'down', 'unknown']) as never, at: when(), via: 'poll', agentId: null, seq: null });
    }
    await store.importObservations(rows, 0);
    for (let i = 0; i < 6; i++) {
      const rep = when();
      await ledger.reports.create(`T-${i}`, {
        customer: 'c', service: 'network', reportedAt: rep,
        ...(r() < 0.7 ? { noticeAt: rep + Math.floor(r() * 600) * 60_000 } : {}),
        ...(r() < 0.3 ? { claimedStart: rep - Math.floor(r() * 120) * 60_000 } : {}),
      }, 't', 0);
    }
    for (let i = 0; i < 3; i++) {
      const s = when();
      await ledger.exclusions.create(`X-${i}`, { ...(r() < 0.7 ? { customer: 'c' } : {}), start: s, end: s + Math.floor(1 + r() * 300) * 60_000, category: pick(EXCLUSION_CATEGORIES), ref: `R${i}` }, 't', 0);
    }
    const asOf = when(M0, 35 * DAY);
    for (const month of ['2026-10', '2026-11', '2026-12']) {
      const input = await ledger.live.input('c', month, asOf);
      const perInstant = new Set<string>();
      for (const o of input.observations) {
        const k = `${o.subject}@${o.at}`;
        expect(perInstant.has(k)).toBe(false);
        perInstant.add(k);
      }
      expect(reconcile(parseScenario(JSON.parse(JSON.stringify(toScenario(input)))))).toEqual(reconcile(input));
    }
  });
});
