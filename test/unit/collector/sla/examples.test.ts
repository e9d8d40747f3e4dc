/**
 * The acceptance cases of docs/sla-rules.md §5: every scenario in the fixtures reconciles
 * to its expected file, for the file's own month and for every other month that
 * has an `NN-name.YYYY-MM.expected.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { differences } from '../../../support/sla-compare.ts';

const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');
const read = (f: string): unknown => JSON.parse(readFileSync(join(DIR, f), 'utf8'));

const cases: [string, string, string | undefined][] = [];
for (const f of readdirSync(DIR).sort()) {
  const m = /^(\d\d-[a-z0-9-]+?)(?:\.(\d{4}-\d{2}))?\.expected\.json$/.exec(f);
  if (m) cases.push([`${m[1]}${m[2] ? ` (${m[2]})` : ''}`, f, m[2]]);
}

describe('sla-examples', () => {
  it('finds every shared example, both months of 10', () => {
    expect(cases.length).toBe(13);
  });

  it.each(cases)('%s', (_name, expectedFile, month) => {
    const scenario = expectedFile.replace(/(\.\d{4}-\d{2})?\.expected\.json$/, '.json');
    const result = reconcile(parseScenario(read(scenario), { month }));
    expect(differences(result, read(expectedFile))).toEqual([]);
  });
});
