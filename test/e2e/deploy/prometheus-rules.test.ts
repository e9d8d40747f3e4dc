/**
 * The shipped Prometheus files are valid and their alerts tested: promtool check rules,
 * promtool check config, promtool test rules, and a coverage check that every alert in
 * dcprobe-rules.yml has a case that fires and a case that stays quiet in rules.test.yml,
 * and every recording rule an expression test.
 */
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from '../fixtures/prometheus.ts';
import { tempDir } from '../../support/temp.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/prometheus');
const RULES = join(DIR, 'dcprobe-rules.yml');
const TESTS = join(DIR, 'rules.test.yml');
const CONFIG = join(DIR, 'prometheus.yml');

interface Rule { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface AlertTest { alertname: string; exp_alerts?: unknown[] }
interface ExprTest { expr: string; exp_samples?: unknown[] }

const rules: Rule[] = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alertNames = rules.flatMap((r) => (r.alert ? [r.alert] : []));
const recordNames = rules.flatMap((r) => (r.record ? [r.record] : []));
const testGroups = (parse(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[] }[] }).tests;
const alertTests: AlertTest[] = testGroups.flatMap((t) => t.alert_rule_test ?? []);
const exprTests: ExprTest[] = testGroups.flatMap((t) => t.promql_expr_test ?? []);

describe('deploy/prometheus', () => {
  it('promtool check rules accepts dcprobe-rules.yml with every rule counted', async () => {
    const r = await promtool(['check', 'rules', RULES]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool check config accepts the example prometheus.yml and the rule file it names', async () => {
    const r = await promtool(['check', 'config', CONFIG]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('dcprobe-rules.yml');
  });

  it('promtool test rules passes rules.test.yml', async () => {
    const r = await promtool(['test', 'rules', TESTS]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('has the alerts operators rely on, each with a severity, a summary and a description', () => {
    expect(alertNames).toEqual(expect.arrayContaining([
      'DcprobeAgentDown', 'DcprobePortDown', 'DcprobeUplinkDown', 'DcprobeSlaBudgetLow', 'DcprobeSlaBreached',
      'DcprobeSlaCoverageLow', 'DcprobeUnreportedOutageDeadline', 'DcprobeUpsRuntimeLow', 'DcprobeClockSkew', 'DcprobeOutboxNearlyFull',
    ]));
    for (const r of rules.filter((x) => x.alert)) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
  });

  it.each(alertNames)('rules.test.yml has a firing case and a quiet case for %s', (name) => {
    const cases = alertTests.filter((t) => t.alertname === name);
    expect(cases.some((t) => (t.exp_alerts ?? []).length > 0), 'a case where it fires').toBe(true);
    expect(cases.some((t) => (t.exp_alerts ?? []).length === 0), 'a case where it stays quiet').toBe(true);
  });

  it.each(recordNames)('rules.test.yml checks the samples of the recording rule %s', (name) => {
    expect(exprTests.some((t) => t.expr === name && (t.exp_samples ?? []).length > 0)).toBe(true);
  });

  it('promtool check rules rejects a rule with broken PromQL (the check is not a rubber stamp)', async () => {
    const { dir, cleanup } = tempDir('promtool-');
    try {
      const bad = join(dir, 'bad.yml');
      await writeFile(bad, 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: dcprobe_port_up ==\n');
      const r = await promtool(['check', 'rules', bad]);
      expect(r.code).not.toBe(0);
    } finally {
      cleanup();
    }
  });
});
