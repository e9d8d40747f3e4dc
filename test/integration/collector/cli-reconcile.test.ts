/**
 * The offline reconcile command: through reconcileCommand (in process) and through
 * the real executable (`node collector/bin/dcprobe-collector.mjs reconcile ...`).
 * Exit 0 with the result; exit 2 with a message naming the flag, path or field.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcileCommand } from '../../../collector/src/cli/reconcile.ts';
import { differences } from '../../support/sla-compare.ts';
import { readCsv } from '../../support/csv-reader.ts';
import { tempDir } from '../../support/temp.ts';

const ROOT = join(import.meta.dirname, '../../..');
const FIX = join(ROOT, 'test/fixtures/sla-examples');
const fixture = (f: string): string => join(FIX, f);
const expected = (f: string): unknown => JSON.parse(readFileSync(fixture(f), 'utf8'));
const scratch = tempDir('dcprobe-reconcile-');
const tmp = scratch.dir;
afterAll(() => scratch.cleanup());

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await reconcileCommand(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

function writeScenario(name: string, edit: (s: Record<string, any>) => void): string {
  const s = JSON.parse(readFileSync(fixture('01-confirmed.json'), 'utf8'));
  edit(s);
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(s));
  return path;
}

describe('reconcileCommand', () => {
  it.each([
    ['01-confirmed.json', [], '01-confirmed.expected.json'],
    ['10-month-boundary.json', ['--month', '2026-12'], '10-month-boundary.2026-12.expected.json'],
    ['10-month-boundary.json', ['--month=2026-11', '--format', 'json'], '10-month-boundary.expected.json'],
  ])('%s %j prints the expected result', async (file, flags, exp) => {
    const r = await run(fixture(file), ...flags);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(differences(JSON.parse(r.out), expected(exp))).toEqual([]);
  });

  it('--as-of overrides the file: the open report of 12 counted to 09:30 is 20 min', async () => {
    const r = await run(fixture('12-open-report.json'), '--as-of', '2026-11-25T01:30:00Z');
    expect(r.code).toBe(0);
    const net = JSON.parse(r.out).customers[0].services.network;
    expect([net.countableSeconds, net.measuredSeconds, net.reports[0].open]).toEqual([1200, 1800, true]);
  });

  it('--format csv prints RFC 4180 rows', async () => {
    const r = await run(fixture('11-two-reports.json'), '--format', 'csv');
    expect(r.code).toBe(0);
    const rows = readCsv(r.out);
    expect(rows.map((row) => [row[0], row[4], row[10]])).toEqual([
      ['row_type', 'report_id', 'countable_seconds'], ['service', '', '3000'], ['report', 'T-11a', '3000'], ['report', 'T-11b', '2100'],
    ]);
  });

  it.each([
    [['--month', '2026-13', 'x.json'], '--month: expected YYYY-MM, got "2026-13"'],
    [['x.json', '--as-of', '2026-11-25T10:00:00'], '--as-of: expected an ISO 8601 time with an offset, got "2026-11-25T10:00:00"'],
    [['x.json', '--format', 'xml'], '--format: expected json or csv, got "xml"'],
    [['x.json', '--verbose'], 'unknown flag "--verbose"'],
    [['x.json', '--month'], '--month: a value is required'],
    [['x.json', 'y.json'], 'unexpected argument "y.json"'],
    [[], 'give a scenario file'],
  ])('bad arguments %j: exit 2, %s', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`reconcile: ${message}`);
  });

  it('an unreadable file: exit 2 naming the path', async () => {
    const path = join(tmp, 'missing.json');
    const r = await run(path);
    expect([r.code, r.err]).toEqual([2, `reconcile: cannot read ${path}: ENOENT`]);
  });

  it('a file that is not JSON: exit 2 naming the path', async () => {
    const path = join(tmp, 'broken.json');
    writeFileSync(path, '{"month": ');
    const r = await run(path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^reconcile: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });

  it('an invalid scenario: exit 2 naming the field and the item', async () => {
    const path = writeScenario('bad-state.json', (s) => { s.observations[3].state = 'sideways'; });
    const r = await run(path);
    expect([r.code, r.err]).toEqual([2, `reconcile: ${path}: observations[3].state: "sideways" is not a state of sw1/ge-0/0/1 (network: up, down, unknown)`]);
  });
});

const BIN = join(ROOT, 'collector/bin/dcprobe-collector.mjs');
describe('dcprobe-collector reconcile (real process)', () => {
  const spawn = (...args: string[]) => spawnSync(process.execPath, [BIN, 'reconcile', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('prints example 01 and exits 0', () => {
    const p = spawn('test/fixtures/sla-examples/01-confirmed.json');
    expect([p.status, p.stderr]).toEqual([0, '']);
    expect(differences(JSON.parse(p.stdout), expected('01-confirmed.expected.json'))).toEqual([]);
  });

  it('exits 2 with the path for a missing file', () => {
    const p = spawn('test/fixtures/sla-examples/nope.json');
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('test/fixtures/sla-examples/nope.json');
  });
});
