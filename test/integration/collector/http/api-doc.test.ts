/**
 * docs/api.md's route table is the collector's: every route the running
 * collector serves is listed there with its method, path, least role and what
 * a customer token may do on it, and the table lists nothing else. A route
 * added, removed or opened to customers without the doc following fails here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import type { Access } from '../../../../collector/src/http/access.ts';

const DOC = new URL('../../../../docs/api.md', import.meta.url);

/** How the doc's "customer token" column reads a route's declared access. */
function customerColumn(a: Access): string {
  const c = a.customer;
  const scope = c === undefined ? 'no' : c === 'self' ? 'self' : 'param' in c ? `own (\`{${c.param}}\`)`
    : 'query' in c ? `own (\`?${c.query}=\`)` : 'report' in c ? 'own report' : 'own operation';
  return a.links ? `${scope}, share link` : scope;
}

/** The doc's rows: `| \`GET\` | \`/path\` | role | customer token | what |`. */
function documented(): string[] {
  return readFileSync(DOC, 'utf8').split('\n')
    .map((l) => /^\| `([A-Z]+)` \| `([^`]+)` \| (\w+) \| (.+?) \| .+ \|$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]} | ${m[3]} | ${m[4]}`);
}

let e: ApiEnv;
beforeAll(async () => { e = await startApi(Date.parse('2026-11-20T12:00:00+08:00')); });
afterAll(async () => { if (e) await stopApi(e); });

describe('docs/api.md', () => {
  it('lists exactly the routes the collector serves, each with its declared access', () => {
    const served = e.c.routes.map((r) => `${r.method} ${r.path} | ${r.access.role} | ${customerColumn(r.access)}`);
    expect(served.length).toBeGreaterThan(30);
    expect([...documented()].sort()).toEqual([...served].sort());
  });
});
