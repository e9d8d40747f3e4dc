/**
 * CI's summary line for the e2e suite says how many tests ran dcprobe against real peers,
 * apart from the tests of the fixtures and the checks of shipped files, and a test file
 * that failed in a hook (its tests reported as skipped) still fails CI.
 */
import { describe, expect, it } from 'vitest';
import { e2eKind, summarize, type VitestReport } from '../../../scripts/test-summary.ts';

const ROOT = '/repo';
const file = (name: string, statuses: string[], status = statuses.includes('failed') ? 'failed' : 'passed') => ({
  name: `${ROOT}/${name}`, status, assertionResults: statuses.map((s) => ({ status: s })),
});
function report(files: ReturnType<typeof file>[]): VitestReport {
  const all = files.flatMap((f) => f.assertionResults.map((a) => a.status));
  const n = (s: string) => all.filter((x) => x === s).length;
  return { numPassedTests: n('passed'), numFailedTests: n('failed'), numPendingTests: n('skipped') + n('pending'), testResults: files };
}

describe('e2eKind', () => {
  it.each([
    ['test/e2e/agent-snmpd.test.ts', 'dcprobe'],
    ['test/e2e/faults/collector-kill.test.ts', 'dcprobe'],
    ['test/e2e/fixtures/snmpd.test.ts', 'fixtures'],
    ['test/e2e/deploy/prometheus-rules.test.ts', 'deploy'],
    ['test/integration/collector/api/api.test.ts', undefined],
    [`${ROOT}/test/e2e/fixtures/prometheus.test.ts`, 'fixtures'],
  ])('%s → %s', (f, kind) => expect(e2eKind(f, ROOT)).toBe(kind));
});

describe('summarize', () => {
  // The summary reads real reports' absolute paths against the repository it lives in.
  const here = (name: string, statuses: string[], status?: string) => ({ ...file(name, statuses, status), name: new URL(`../../../${name}`, import.meta.url).pathname });

  it('counts the e2e tests that ran by kind, and passes when nothing failed', () => {
    const unit = report([here('test/unit/a.test.ts', ['passed', 'passed'])]);
    const e2e = report([
      here('test/e2e/agent-snmpd.test.ts', ['passed', 'passed', 'skipped']),
      here('test/e2e/faults/agent-kill.test.ts', ['passed']),
      here('test/e2e/fixtures/snmpd.test.ts', ['passed', 'passed']),
      here('test/e2e/deploy/prometheus-rules.test.ts', ['passed', 'passed', 'passed', 'passed']),
    ]);
    expect(summarize([['.tmp/test.json', unit], ['.tmp/e2e.json', e2e]])).toEqual({
      lines: [
        '11 passed, 0 failed, 1 skipped',
        'e2e: 3 tests ran dcprobe against real peers, 2 tested the fixtures, 4 checked shipped files with their tools',
      ],
      ok: true,
    });
  });

  it('fails on a failed test, a file failed in a hook, or a missing report, and says which', () => {
    const e2e = report([
      here('test/e2e/power-nut.test.ts', ['passed', 'failed']),
      here('test/e2e/nut-upsd.test.ts', ['skipped', 'skipped'], 'failed'),
    ]);
    const s = summarize([['.tmp/test.json', undefined], ['.tmp/e2e.json', e2e]]);
    expect(s.ok).toBe(false);
    expect(s.lines[0]).toBe('.tmp/test.json: missing (that suite did not run to the end)');
    expect(s.lines[1]).toBe('1 passed, 1 failed, 2 skipped');
    expect(s.lines[2]).toMatch(/^1 test files failed outside their tests .*: .*test\/e2e\/nut-upsd\.test\.ts$/);
    expect(s.lines[3]).toBe('e2e: 2 tests ran dcprobe against real peers (1 failed), 0 tested the fixtures, 0 checked shipped files with their tools');
    const hookOnly = summarize([['.tmp/e2e.json', report([here('test/e2e/nut-upsd.test.ts', ['skipped'], 'failed')])]]);
    expect(hookOnly.ok).toBe(false);
  });
});
