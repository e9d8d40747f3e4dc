/**
 * The CSV of the /reports, /exclusions and /customers lists, as finance opens it in a
 * spreadsheet: strict RFC 4180 (the test reader refuses anything else), every cell saying
 * what the JSON says, and text that a spreadsheet would run as a formula kept as text:
 * prefixed with ' when it starts like one (= + - @, tab, CR), and quoted when it holds a
 * separator a spreadsheet may split on (`,` or, in many locales, `;`), so `x;=1+1` can
 * never become a cell `=1+1`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { readCsv } from '../../../support/csv-reader.ts';

const NOW = Date.parse('2026-11-20T12:00:00+08:00');

/** Exclusion references, each with the cell a spreadsheet must get. */
const REFS: [string, string][] = [
  ['=1+1', "'=1+1"],
  ['+1', "'+1"],
  ['-1', "'-1"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\t=1+1', "'\t=1+1"],
  ['\r=1+1', "'\r=1+1"],
  ['=HYPERLINK("http://example.invalid")', `'=HYPERLINK("http://example.invalid")`],
  ['x;=1+1', 'x;=1+1'],
  ['a,b', 'a,b'],
  ['say "hi"', 'say "hi"'],
  ['two\r\nlines', 'two\r\nlines'],
  ['CHG-1', 'CHG-1'],
];

/** The cell for one JSON value: what the API's CSV promises. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The CSV's rows as objects keyed by its header, after a strict RFC 4180 read. */
function rowsOf(text: string): Record<string, string>[] {
  const [head, ...rows] = readCsv(text);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
}

describe('CSV of the API lists', () => {
  let e: ApiEnv;
  beforeEach(async () => {
    e = await startApi(NOW, {
      // Token names end up in recordedBy, in every list.
      apiTokens: [
        { name: 'noc-viewer', role: 'read', token: API.read },
        { name: '=cmd|"/C calc"!A0', role: 'write', token: API.write },
        { name: '+admin;=2+2', role: 'admin', token: API.admin },
      ],
    });
  });
  afterEach(async () => { await stopApi(e); });

  async function csv(path: string): Promise<string> {
    const r = await call(e, 'GET', path, { token: 'read', accept: 'text/csv' });
    expect([r.status, r.type]).toEqual([200, 'text/csv; charset=utf-8']);
    return r.text;
  }

  /**
   * Every cell of the CSV is the guarded value of the same item and column in the JSON
   * (plus the columns `derive` adds from it).
   */
  async function sameAsJson(path: string, key: string, derive: (x: Record<string, any>) => Record<string, unknown> = (x) => x): Promise<Record<string, string>[]> {
    const json = ((await call(e, 'GET', path, { token: 'read' })).json[key] as Record<string, unknown>[]).map(derive);
    const rows = rowsOf(await csv(path));
    expect(rows).toHaveLength(json.length);
    rows.forEach((row, i) => {
      for (const [col, value] of Object.entries(row)) expect([col, value]).toEqual([col, cell(json[i]![col])]);
    });
    return rows;
  }

  it('/exclusions: references that look like formulas stay text, separators are quoted', async () => {
    for (const [i, [ref]] of REFS.entries()) {
      const r = await call(e, 'POST', '/api/v1/exclusions', {
        token: 'write', body: { id: `X-${i}`, start: '2026-11-03T10:00:00+08:00', end: '2026-11-03T11:00:00+08:00', category: 'maintenance', ref },
      });
      expect(r.status).toBe(201);
    }
    const rows = await sameAsJson('/api/v1/exclusions', 'exclusions');
    const refs = new Map(rows.map((r) => [r.id, r.ref]));
    expect(REFS.map((_, i) => refs.get(`X-${i}`))).toEqual(REFS.map(([, out]) => out));
    expect(new Set(rows.map((r) => r.recordedBy))).toEqual(new Set(['\'=cmd|"/C calc"!A0']));
    // As written on the wire, not only as read back: a field with ; or a tab is quoted.
    const text = await csv('/api/v1/exclusions');
    expect(text).toContain(',"x;=1+1",');
    expect(text).toContain(`,"'\t=1+1",`);
    expect(text).toContain(`,"'\r=1+1",`);
    expect(text).toContain(`,"'=cmd|""/C calc""!A0",`);
  });

  it('/reports: ids and token names that look like formulas stay text', async () => {
    for (const id of ['-1', 'T-2']) {
      const r = await call(e, 'POST', '/api/v1/reports', {
        token: 'write', body: { id, customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00' },
      });
      expect(r.status).toBe(201);
    }
    const rows = await sameAsJson('/api/v1/reports', 'reports', (r) => ({
      ...r, firstResponseMissed: r.timers.firstResponse.missed, writtenReportMissed: r.timers.writtenReport.missed, resolutionMissed: r.timers.resolution.missed,
    }));
    expect(rows.map((r) => [r.id, r.recordedBy])).toEqual([["'-1", '\'=cmd|"/C calc"!A0'], ['T-2', '\'=cmd|"/C calc"!A0']]);
  });

  it('/customers: a name in the spec and the admin token\'s name stay text', async () => {
    const r = await call(e, 'POST', '/api/v1/customers', { body: { id: 'cust-x', name: '=1+1;@x', network: { ports: ['sw9/p1'] } } });
    expect(r.status).toBe(201);
    const rows = await sameAsJson('/api/v1/customers', 'customers');
    const x = rows.find((row) => row.id === 'cust-x')!;
    expect(x.recordedBy).toBe("'+admin;=2+2");
    expect(JSON.parse(x.spec!).name).toBe('=1+1;@x');
    expect(await csv('/api/v1/customers')).toContain(`,"'+admin;=2+2",`);
  });
});
