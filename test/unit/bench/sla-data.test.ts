// The benchmark's input must be the same every time and have the sizes asked for.
import { describe, expect, it } from 'vitest';
import { buildSlaInput } from '../../../bench/sla-data.ts';
import { parseScenario } from '../../../collector/src/sla/scenario.ts';
import { toScenario } from '../../../collector/src/sla/to-scenario.ts';

describe('bench/sla-data.ts', () => {
  it.each([[100, 10_001, 200], [37, 3_000, 50]])('%i customers, %i observations, %i reports, deterministic', (customers, observations, reports) => {
    const a = buildSlaInput({ customers, observations, reports });
    expect([a.customers.length, a.observations.length, a.reports.length]).toEqual([customers, observations, reports]);
    expect(buildSlaInput({ customers, observations, reports })).toEqual(a);
    expect(buildSlaInput({ customers, observations, reports, seed: 1 })).not.toEqual(a);
  });

  it('is a valid scenario (every id unique, every state in its vocabulary, one change per instant)', () => {
    expect(() => parseScenario(toScenario(buildSlaInput({ customers: 200, observations: 20_000, reports: 400 })))).not.toThrow();
  });
});
