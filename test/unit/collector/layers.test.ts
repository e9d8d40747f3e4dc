/**
 * The collector's module picture stays true: every import in collector/src
 * points to its own unit or to a lower layer, the pure reconciliation core
 * (sla/) imports nothing of the collector beyond itself, a store
 * implementation (store/sqlite/) is reached only through the store's
 * interface and openStore, and no file reaches itself again through its
 * imports (no cycles). A unit is a top-level file or folder of collector/src
 * (`cli.ts` and `cli/` are one unit).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../../collector/src');

/** Lowest first; a unit may import from its own unit and from lower layers only. */
const LAYERS: readonly (readonly string[])[] = [
  ['sla', 'lib', 'tokens', 'log', 'build-info'],
  ['config', 'evidence', 'delivery', 'timers'],
  ['store'],
  ['metrics'],
  ['ingest', 'ledger', 'notices', 'statements'],
  ['sla-window', 'notify'],
  ['http', 'domain-metrics', 'sla-metrics', 'agent-health', 'timer-metrics'],
  ['api'],
  ['report'],
  ['issuing'],
  ['server'],
  ['cli', 'index'],
];
/** Units that may import nothing of the collector but themselves. */
const SEALED = ['sla'];
/** Folders only their own unit may import (the store's implementations), and packages only they may use. */
const PRIVATE: readonly { dir: string; packages: readonly string[] }[] = [{ dir: 'store/sqlite/', packages: ['better-sqlite3'] }];

type Graph = Map<string, string[]>;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Specifiers a file imports, re-exports, loads dynamically or starts as a worker (`new URL('./x.ts', import.meta.url)`). */
export function allSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [
    /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The relative ones: files of the collector. */
export function specifiers(source: string): string[] {
  return allSpecifiers(source).filter((s) => s.startsWith('.'));
}

/** file → the files it imports, and the packages it imports (bare specifiers), relative to `root`. */
function graphOf(root: string): { g: Graph; packages: Graph } {
  const g: Graph = new Map();
  const packages: Graph = new Map();
  for (const f of files(root)) {
    const all = allSpecifiers(readFileSync(f, 'utf8'));
    g.set(relative(root, f), all.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(dirname(f), s))));
    packages.set(relative(root, f), all.filter((s) => !s.startsWith('.')));
  }
  return { g, packages };
}

const unitOf = (file: string) => file.split('/')[0]!.replace(/\.(ts|mjs)$/, '');
const layerOf = (unit: string) => LAYERS.findIndex((l) => l.includes(unit));

/** Every import that breaks the layers, as `from → to (why)`. */
export function violations(g: Graph): string[] {
  const out: string[] = [];
  for (const [from, deps] of g) {
    const u = unitOf(from);
    if (layerOf(u) < 0) out.push(`${from}: unit ${u} is in no layer`);
    for (const to of deps) {
      if (to === '../package.json') continue; // the build's name and version (build-info.ts), read at run time
      if (to.startsWith('..')) { out.push(`${from} → ${to} (outside collector/src)`); continue; }
      const v = unitOf(to);
      if (v === u) continue;
      if (SEALED.includes(u)) out.push(`${from} → ${to} (${u} imports only itself)`);
      else if (layerOf(v) >= layerOf(u)) out.push(`${from} → ${to} (${v} is not below ${u})`);
    }
    for (const p of PRIVATE) for (const to of deps) if (to.startsWith(p.dir) && unitOf(to) !== u) out.push(`${from} → ${to} (${p.dir} is private to ${unitOf(p.dir)})`);
  }
  return out;
}

/** Imports of a package kept to a private folder, from outside it. */
export function privatePackages(packages: Graph): string[] {
  const out: string[] = [];
  for (const [from, deps] of packages) {
    for (const p of PRIVATE) for (const d of deps) if (p.packages.includes(d) && !from.startsWith(p.dir)) out.push(`${from} → ${d} (only ${p.dir} uses it)`);
  }
  return out;
}

/** The import cycles, each as the files it passes through. */
export function cycles(g: Graph): string[][] {
  const out: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    path.push(f);
    for (const d of g.get(f) ?? []) {
      if (state.get(d) === 'open') out.push([...path.slice(path.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of [...g.keys()].sort()) if (!state.has(f)) visit(f);
  return out;
}

describe('collector module layers', () => {
  const { g, packages } = graphOf(SRC);

  it('reads the imports of every source file', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get('server.ts')).toContain('ingest/queue.ts');
  });

  it('imports only downward (store ← ingest ← server/API), and sla/ only itself', () => {
    expect(violations(g)).toEqual([]);
  });

  it('keeps the SQLite store behind the store interface: nothing else imports store/sqlite or better-sqlite3', () => {
    expect(privatePackages(packages)).toEqual([]);
    expect(violations(g).filter((v) => v.includes('private'))).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles(g)).toEqual([]);
  });

  it('would see an upward import, a sealed core importing out, a private folder reached from outside, and a cycle', () => {
    const bad: Graph = new Map([
      ['store/sqlite/db.ts', ['ingest/queue.ts']],
      ['ingest/queue.ts', ['store/sqlite/db.ts']],
      ['sla/reconcile.ts', ['config.ts']],
      ['config.ts', []],
    ]);
    expect(violations(bad)).toEqual([
      'store/sqlite/db.ts → ingest/queue.ts (ingest is not below store)',
      'ingest/queue.ts → store/sqlite/db.ts (store/sqlite/ is private to store)',
      'sla/reconcile.ts → config.ts (sla imports only itself)',
    ]);
    expect(cycles(bad)).toEqual([['ingest/queue.ts', 'store/sqlite/db.ts', 'ingest/queue.ts']]);
    expect(privatePackages(new Map([['ledger/reports.ts', ['better-sqlite3']], ['store/sqlite/db.ts', ['better-sqlite3']]])))
      .toEqual(['ledger/reports.ts → better-sqlite3 (only store/sqlite/ uses it)']);
  });

  it('finds imports written in every form', () => {
    expect(specifiers(`import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';
import {\n  d,\n} from './d.ts';\nconst e = await import('./e.ts');\nnew Worker(new URL('./f.mjs', import.meta.url));
// import z from './commented.ts';\nimport x from 'node:fs';`)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', './f.mjs']);
  });
});
