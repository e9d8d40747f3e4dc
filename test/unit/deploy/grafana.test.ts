/**
 * The provisioned Grafana dashboards are well-formed without a Grafana to load them:
 * stable unique uids, every panel on the `datasource` variable, every target an
 * expression, rates over $__rate_interval, variables defined where used and used
 * where defined, panels that do not overlap; and the provisioning files point at them.
 * (test/e2e/grafana-dashboards.test.ts runs every expression against a real Prometheus.)
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadDashboards, panelsOf, type Dashboard } from '../../support/grafana.ts';

const GRAFANA = fileURLToPath(new URL('../../../deploy/grafana/', import.meta.url));
const dashboards = loadDashboards();

/** Links and bookmarks point at these: a uid never changes once shipped. */
const UIDS: Record<string, string> = {
  'collector.json': 'dcprobe-collector',
  'customer-month.json': 'dcprobe-customer-month',
  'device-ports.json': 'dcprobe-device-ports',
  'fleet.json': 'dcprobe-fleet',
  'power.json': 'dcprobe-power',
};
const DS = { type: 'prometheus', uid: '${datasource}' };

const byFile = dashboards.map((d): [string, Dashboard] => [d.file, d.json]);

describe('Grafana dashboards', () => {
  it('are the five shipped files, each with its stable uid, unique uids and titles', () => {
    expect(Object.fromEntries(dashboards.map((d) => [d.file, d.json.uid]))).toEqual(UIDS);
    expect(new Set(dashboards.map((d) => d.json.title)).size).toBe(dashboards.length);
  });

  it.each(byFile)('%s: provisionable (no numeric id, a schema version, the dcprobe tag)', (_f, d) => {
    expect(d.id).toBeNull();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.tags).toContain('dcprobe');
  });

  it.each(byFile)('%s: a datasource variable of Prometheus datasources, used by every panel and target', (_f, d) => {
    const v = d.templating.list.find((x) => x.name === 'datasource');
    expect(v).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panelsOf(d)) {
      expect(p.datasource, p.title).toEqual(DS);
      for (const t of p.targets) expect(t.datasource, p.title).toEqual(DS);
    }
    for (const q of d.templating.list.filter((x) => x.type === 'query')) expect(q.datasource, q.name).toEqual(DS);
  });

  it.each(byFile)('%s: every panel has a title, a description and targets; every target an expression and a unique refId', (_f, d) => {
    const ids = new Set<number>();
    for (const p of panelsOf(d)) {
      expect(p.title).toBeTruthy();
      expect(p.description, p.title).toBeTruthy();
      expect(ids.has(p.id), `panel id ${p.id}`).toBe(false);
      ids.add(p.id);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr.trim(), `${p.title} ${t.refId}`).not.toBe('');
      expect(new Set(p.targets.map((t) => t.refId)).size, p.title).toBe(p.targets.length);
    }
  });

  it.each(byFile)('%s: rates use $__rate_interval', (_f, d) => {
    for (const p of panelsOf(d)) {
      for (const t of p.targets) {
        for (const m of t.expr.matchAll(/\b(?:rate|irate)\(([^()]*(?:\([^()]*\))?[^()]*)\)/g)) {
          expect(m[1], `${p.title}: ${t.expr}`).toMatch(/\[\$__rate_interval\]$/);
        }
      }
    }
  });

  it.each(byFile)('%s: variables are defined where used and used where defined', (_f, d) => {
    const defined = new Set(d.templating.list.map((v) => v.name));
    const text = JSON.stringify(d.panels) + JSON.stringify(d.templating.list.map((v) => v.query));
    const used = new Set([...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!).filter((n) => !n.startsWith('__')));
    expect([...used].filter((n) => !defined.has(n))).toEqual([]);
    expect([...defined].filter((n) => !used.has(n))).toEqual([]);
  });

  it.each(byFile)('%s: panels sit on the 24-column grid without overlapping', (_f, d) => {
    const cells = new Set<string>();
    for (const p of panelsOf(d)) {
      const g = p.gridPos;
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});

describe('Grafana provisioning', () => {
  const yml = (p: string) => parse(readFileSync(join(GRAFANA, 'provisioning', p), 'utf8'));

  it('provides the Prometheus datasource the dashboards default to', () => {
    const ds = yml('datasources/dcprobe.yml').datasources as { uid: string; type: string }[];
    expect(ds).toEqual([expect.objectContaining({ type: 'prometheus', uid: 'dcprobe-prometheus' })]);
    for (const { json } of dashboards) {
      expect(json.templating.list.find((v) => v.name === 'datasource')?.current).toMatchObject({ value: 'dcprobe-prometheus' });
    }
  });

  it('loads dashboards from files', () => {
    const p = yml('dashboards/dcprobe.yml').providers as { type: string; options: { path: string } }[];
    expect(p).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: expect.stringMatching(/^\//) }) })]);
    expect(readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(UIDS));
  });
});
