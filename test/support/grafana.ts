/**
 * The shipped Grafana dashboards (deploy/grafana/dashboards/*.json) read as data,
 * for the structure checks (unit) and the query runs against Prometheus (e2e).
 *
 *   loadDashboards()            → [{ file, json }] sorted by file name
 *   panelsOf(dashboard)         → every panel, those inside collapsed rows included
 *   variableQuery(variable)     → { metric, label } of a `label_values(metric, label)` query
 *   expand(expr, values)        → the expression with $var / ${var} replaced
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Target { refId: string; expr: string; datasource: unknown }
export interface Panel {
  id: number; type: string; title: string; description?: string; datasource: unknown;
  gridPos: { h: number; w: number; x: number; y: number };
  targets: Target[];
  panels?: Panel[];
}
export interface Variable { name: string; type: string; query: unknown; datasource?: unknown; current?: { value?: string } }
export interface Dashboard {
  uid: string; title: string; id: number | null; schemaVersion: number; tags: string[];
  templating: { list: Variable[] };
  panels: Panel[];
}

const DIR = fileURLToPath(new URL('../../deploy/grafana/dashboards/', import.meta.url));

export function loadDashboards(): { file: string; json: Dashboard }[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Dashboard }));
}

export function panelsOf(d: { panels: Panel[] }): Panel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? panelsOf({ panels: p.panels ?? [] }) : [p]));
}

export function variableQuery(v: Variable): { metric: string; label: string } {
  const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
  if (!m) throw new Error(`variable ${v.name}: only label_values(metric, label) queries are supported, got ${q}`);
  return { metric: m[1]!, label: m[2]! };
}

export function expand(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => {
    const name = (a ?? b)!;
    if (!(name in values)) throw new Error(`no value for $${name} in ${expr}`);
    return values[name]!;
  });
}
