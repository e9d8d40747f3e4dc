/**
 * CI's summary of vitest's JSON reports (.ci/run): tests passed, failed and skipped, test
 * files that failed outside their tests (a hook, an import), and what the e2e tests
 * exercised. By where it lives, an e2e test either runs dcprobe against real peers, or
 * tests a fixture (test/e2e/fixtures/: the peers the other tests start), or checks shipped
 * files with their own tools (test/e2e/deploy/: promtool on the alerting rules).
 *
 *   node --import tsx scripts/test-summary.ts .tmp/test.json .tmp/e2e.json
 *
 * Exits 1 when any report is missing, any test failed or any file failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type E2eKind = 'dcprobe' | 'fixtures' | 'deploy';

export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

const KIND_TEXT: Record<E2eKind, string> = {
  dcprobe: 'ran dcprobe against real peers',
  fixtures: 'tested the fixtures',
  deploy: 'checked shipped files with their tools',
};

/** A test file's kind from its path (absolute, or relative to the repository); undefined outside test/e2e/. */
export function e2eKind(file: string, root = ROOT): E2eKind | undefined {
  const rel = (isAbsolute(file) ? relative(root, file) : file).replaceAll('\\', '/');
  if (!rel.startsWith('test/e2e/')) return undefined;
  if (rel.startsWith('test/e2e/fixtures/')) return 'fixtures';
  if (rel.startsWith('test/e2e/deploy/')) return 'deploy';
  return 'dcprobe';
}

/** The summary lines, and whether CI passes. A missing report is `[name, undefined]`. */
export function summarize(reports: readonly [string, VitestReport | undefined][]): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let passed = 0, failed = 0, skipped = 0;
  const brokenFiles: string[] = [];
  const kinds: Record<E2eKind, { ran: number; failed: number }> = { dcprobe: { ran: 0, failed: 0 }, fixtures: { ran: 0, failed: 0 }, deploy: { ran: 0, failed: 0 } };
  let missing = 0;
  for (const [name, r] of reports) {
    if (!r) { lines.push(`${name}: missing (that suite did not run to the end)`); missing++; continue; }
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    for (const f of r.testResults) {
      if (f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')) brokenFiles.push(isAbsolute(f.name) ? relative(ROOT, f.name) : f.name);
      const kind = e2eKind(f.name);
      if (!kind) continue;
      for (const a of f.assertionResults) {
        if (a.status === 'passed' || a.status === 'failed') kinds[kind].ran++;
        if (a.status === 'failed') kinds[kind].failed++;
      }
    }
  }
  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (brokenFiles.length) {
    lines.push(`${brokenFiles.length} test files failed outside their tests (a hook or an import; their tests count as skipped): ${brokenFiles.join(', ')}`);
  }
  // "N tests ran dcprobe against real peers, M tested the fixtures, K checked shipped files …"
  const e2e = (Object.keys(kinds) as E2eKind[]).map((k, i) => `${kinds[k].ran}${i === 0 ? (kinds[k].ran === 1 ? ' test' : ' tests') : ''} ${KIND_TEXT[k]}`
    + `${kinds[k].failed ? ` (${kinds[k].failed} failed)` : ''}`);
  lines.push(`e2e: ${e2e.join(', ')}`);
  return { lines, ok: missing === 0 && failed === 0 && brokenFiles.length === 0 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reports = process.argv.slice(2).map((file): [string, VitestReport | undefined] => [
    file, existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as VitestReport : undefined,
  ]);
  const { lines, ok } = summarize(reports);
  for (const l of lines) console.log(l);
  process.exitCode = ok ? 0 : 1;
}
