/**
 * Stores written by earlier schema versions open in the current collector (the
 * built program), migrate forward, and serve the scenario exports they served
 * before, byte for byte. Each fixture under test/fixtures/stores/ was written by
 * the collector of its schema (make-store.ts) and holds an acked event that only
 * its ingest journal had, as a crash leaves it.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MIGRATIONS } from '../../../collector/src/store/sqlite/migrations.ts';
import { buildPrograms, httpUntilOk, startProgram, ROOT, type Built } from '../../support/programs.ts';

const STORES = join(ROOT, 'test/fixtures/stores');
const fixtures = readdirSync(STORES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

let built: Built;
let tmp: string;
beforeAll(async () => {
  built = await buildPrograms();
  tmp = mkdtempSync(join(tmpdir(), 'dcprobe-upgrade-'));
}, 120_000);
afterAll(() => { built?.cleanup(); rmSync(tmp, { recursive: true, force: true }); });

const freePort = (): Promise<number> => new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); });
});

describe('stores of earlier schema versions', () => {
  it.each(fixtures)('%s: opens, migrates to the current schema, and serves the same scenario exports', async (name) => {
    const src = join(STORES, name);
    const db = join(tmp, `${name}.sqlite`);
    copyFileSync(join(src, 'dcprobe.sqlite'), db);
    copyFileSync(join(src, 'dcprobe.sqlite.ingest'), `${db}.ingest`);
    const port = await freePort();
    const cfg = join(tmp, `${name}.yml`);
    writeFileSync(cfg, readFileSync(join(src, 'collector.yml'), 'utf8')
      .replace(/^database: .*$/m, `database: ${db}`).replace(/^listen: .*$/m, `listen: 127.0.0.1:${port}`));
    const p = startProgram(built.collector, ['run', '--config', cfg]);
    onTestFinished(() => p.kill());
    await httpUntilOk(`http://127.0.0.1:${port}/healthz`, 20_000, p);
    const expected = JSON.parse(readFileSync(join(src, 'expected.json'), 'utf8')) as { query: string; customers: string[] };
    for (const id of expected.customers) {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/customers/${id}/scenario?${expected.query}`, { headers: { authorization: 'Bearer fixture-admin-token-0123456789' } });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(readFileSync(join(src, `expected-${id}.json`), 'utf8'));
    }
    await p.kill();
    const after = new Database(db, { readonly: true });
    try { expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length); } finally { after.close(); }
  });
});
