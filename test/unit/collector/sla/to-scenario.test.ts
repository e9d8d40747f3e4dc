/**
 * toScenario is the inverse of parseScenario: the API can hand out the exact
 * scenario file that reproduces a result offline. parseScenario(toScenario(x))
 * must give the same input and the same reconciliation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSlaInput } from '../../../../bench/sla-data.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { toScenario } from '../../../../collector/src/sla/to-scenario.ts';
import type { ReconcileInput } from '../../../../collector/src/sla/types.ts';

const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');
const fixtures = readdirSync(DIR).filter((f) => /^\d\d-[a-z0-9-]+\.json$/.test(f) && !f.includes('expected')).sort();

function roundTrip(input: ReconcileInput): void {
  const scenario = JSON.parse(JSON.stringify(toScenario(input))) as unknown; // through text, as a file would go
  const again = parseScenario(scenario);
  expect(again).toEqual(input);
  expect(reconcile(again)).toEqual(reconcile(input));
}

describe('toScenario', () => {
  it.each(fixtures)('%s round-trips', (f) => {
    roundTrip(parseScenario(JSON.parse(readFileSync(join(DIR, f), 'utf8'))));
  });

  it('round-trips a synthetic month with millisecond times, three zones, global exclusions', () => {
    const input = buildSlaInput({ customers: 60, observations: 6000, reports: 120, seed: 7 });
    expect(input.observations.some((o) => o.at % 1000 !== 0)).toBe(true);
    expect(new Set(input.customers.map((c) => c.timezone)).size).toBeGreaterThan(1);
    roundTrip(input);
  });

  it('writes instants with the customer offset and spells out every term', () => {
    const input = parseScenario(JSON.parse(readFileSync(join(DIR, '05-authorised-work.json'), 'utf8')));
    input.customers[0]!.timezone = 'America/New_York';
    const s = toScenario(input) as { reports: { reportedAt: string }[]; customers: { terms: unknown }[]; exclusions: { start: string }[] };
    expect(s.reports[0]!.reportedAt).toBe('2026-11-12T07:10:00-05:00');
    expect(s.exclusions[0]!.start).toBe('2026-11-12T07:00:00-05:00');
    expect(s.customers[0]!.terms).toEqual({
      network: { target: 0.999 }, power: { target: 0.9999 }, reportDeadlineDays: 5, graceMinutes: 10, unverified: 'count',
    });
  });
});
