/**
 * CSV output: a header, one row per customer service and one per report, told
 * apart by row_type; RFC 4180 quoting (CRLF, quotes doubled, fields with a comma,
 * quote or line break quoted). A small strict reader parses it back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, toCsv } from '../../../../collector/src/sla/csv.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { readCsv } from '../../../support/csv-reader.ts';

const DIR = join(import.meta.dirname, '../../../fixtures/sla-examples');

describe('toCsv', () => {
  it('has a header, a service row and a row per report', () => {
    const result = reconcile(parseScenario(JSON.parse(readFileSync(join(DIR, '06-power.json'), 'utf8'))));
    const rows = readCsv(toCsv(result));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (r: string[], name: string): string => r[CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number])]!;
    expect(rows.slice(1).map((r) => [col(r, 'row_type'), col(r, 'report_id'), col(r, 'verdict'), col(r, 'countable_seconds')])).toEqual([
      ['service', '', '', '660'],
      ['report', 'T-6a', 'not_confirmed', '0'],
      ['report', 'T-6b', 'confirmed', '660'],
    ]);
    expect(col(rows[1]!, 'breached')).toBe('true');
    expect(col(rows[1]!, 'allowed_seconds')).toBe('259.2');
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('quotes ids with commas, quotes and line breaks so they read back unchanged', () => {
    const s = JSON.parse(readFileSync(join(DIR, '01-confirmed.json'), 'utf8'));
    const id = 'ACME, "Ltd"\nrack 4';
    s.customers[0].id = id;
    s.reports[0].customer = id;
    s.reports[0].id = 'T,1';
    const rows = readCsv(toCsv(reconcile(parseScenario(s))));
    expect(rows.slice(1).map((r) => [r[1], r[4]])).toEqual([[id, ''], [id, 'T,1']]);
  });

  it.each([
    ['plain', 'plain'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['two\r\nlines', '"two\r\nlines"'],
    [null, ''], [0.5, '0.5'], [true, 'true'],
  ])('field %j is written %j', (v, out) => {
    expect(csvField(v)).toBe(out);
  });
});

describe('csvField against spreadsheet formula injection', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    // A leading tab or CR is a formula too once a spreadsheet trims it; both are also quoted.
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    // Split on `;` (many locales' list separator), this would be a cell `=1+1`: quoted, it cannot split.
    ['x;=1+1', '"x;=1+1"'],
    ['a\tb', '"a\tb"'],
    ['plain text', 'plain text'],
    [-42, '-42'],
  ])('%j → %s', (input, out) => expect(csvField(input)).toBe(out));
});
