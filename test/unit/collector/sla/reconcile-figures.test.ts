/**
 * reconcileFigures gives every figure reconcile() gives, for every customer
 * and service: the acceptance cases of docs/sla-rules.md §5 and a synthetic
 * month with every kind of verdict, exclusion, gap and hidden flap. The
 * figures are what reconcile's result shows, taken field by field; the
 * unreported count is the length of its `unreported` list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSlaInput } from '../../../../bench/sla-data.ts';
import { toCsv } from '../../../../collector/src/sla/csv.ts';
import { reconcile, reconcileFigures } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import type { ReconcileInput } from '../../../../collector/src/sla/types.ts';
import { figuresOf } from '../../../support/sla-figures.ts';

const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');
const read = (f: string): unknown => JSON.parse(readFileSync(join(DIR, f), 'utf8'));

const cases: [string, () => ReconcileInput][] = [];
for (const f of readdirSync(DIR).sort()) {
  const m = /^(\d\d-[a-z0-9-]+?)(?:\.(\d{4}-\d{2}))?\.expected\.json$/.exec(f);
  if (!m) continue;
  const scenario = f.replace(/(\.\d{4}-\d{2})?\.expected\.json$/, '.json');
  cases.push([`${m[1]}${m[2] ? ` (${m[2]})` : ''}`, () => parseScenario(read(scenario), { month: m[2] })]);
}
cases.push(['a synthetic month of 400 customers', () => buildSlaInput({ customers: 400, observations: 40_000, reports: 800, seed: 7 })]);

describe('reconcileFigures', () => {
  it.each(cases)('gives reconcile\'s figures: %s', (_name, input) => {
    const i = input();
    const full = reconcile(i);
    const figures = reconcileFigures(i);
    expect(figures).toEqual(figuresOf(full));
    // The month's CSV is the same from either.
    expect(toCsv(figures)).toBe(toCsv(full));
  });

  it('the synthetic month has what makes the comparison worth it', () => {
    const r = reconcile(cases[cases.length - 1]![1]());
    const services = r.customers.flatMap((c) => Object.values(c.services));
    expect(services.some((s) => s.breached)).toBe(true);
    expect(services.some((s) => s.unreported.length > 0)).toBe(true);
    expect(services.some((s) => s.excludedSeconds > 0)).toBe(true);
    expect(new Set(services.flatMap((s) => s.reports.map((x) => x.verdict))).size).toBeGreaterThanOrEqual(3);
  });
});
