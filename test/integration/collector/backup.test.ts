/**
 * `dcprobe-collector backup` (the built program) takes a consistent copy while an
 * agent streams: the copy holds every event acked before it began and a gap-free
 * run after, the ingest journal's unprojected events included; a collector
 * started on the restored copy serves byte-identical scenario exports and keeps
 * storing what agents send next.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatInstant } from '@dcprobe/shared';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildPrograms, httpUntilOk, startProgram, ROOT, type Built, type Program } from '../../support/programs.ts';
import { TestAgent } from '../../support/collector-harness.ts';

const FIXTURE = join(ROOT, 'test/fixtures/stores/schema-6');
const TOKEN = { agent: 'backup-agent-token-0123456789', api: 'backup-admin-token-0123456789' };
const P1 = 'sw1/ge-0/0/1';
/** The streamed port: another customer's, so cust-net's export stays what it was before the stream. */
const S = 'sw2/ge-0/0/9';

let built: Built;
let tmp: string;
beforeAll(async () => {
  built = await buildPrograms();
  tmp = mkdtempSync(join(tmpdir(), 'dcprobe-backup-'));
}, 120_000);
afterAll(() => { built?.cleanup(); rmSync(tmp, { recursive: true, force: true }); });

let n = 0;
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });
}

/** A config file for `database`, listening on a free port. */
async function config(database: string): Promise<{ file: string; url: string }> {
  const port = await freePort();
  const file = join(tmp, `collector-${++n}.yml`);
  writeFileSync(file, JSON.stringify({
    listen: `127.0.0.1:${port}`, database, logLevel: 'warn',
    agents: [{ id: 'rack-a1', token: TOKEN.agent }], apiTokens: [{ name: 'admin', role: 'admin', token: TOKEN.api }],
    customers: [{ id: 'cust-net', network: { ports: [P1], uplinks: ['sw1/xe-0/1/0'] } }, { id: 'cust-stream', network: { ports: [S] } }],
  }));
  return { file, url: `http://127.0.0.1:${port}` };
}

async function run(database: string): Promise<{ p: Program; url: string; file: string }> {
  const c = await config(database);
  const p = startProgram(built.collector, ['run', '--config', c.file]);
  onTestFinished(() => p.kill());
  await httpUntilOk(`${c.url}/healthz`, 20_000, p);
  return { p, ...c };
}

async function backup(configFile: string, dest: string): Promise<string> {
  const end = await startProgram(built.collector, ['backup', '--config', configFile, dest]).exited(60_000);
  expect([end.code, end.stderr]).toEqual([0, '']);
  return end.stdout;
}

async function scenario(url: string, id: string, query: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/customers/${id}/scenario?${query}`, { headers: { authorization: `Bearer ${TOKEN.api}` } });
  expect(r.status).toBe(200);
  return r.text();
}

/** The agent seqs a store file holds, read with plain SQLite. */
function seqs(file: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT seq FROM observations WHERE agent_id = 'rack-a1' ORDER BY seq").pluck().all() as number[];
  } finally { db.close(); }
}

const DEC = Date.parse('2026-12-01T00:00:00+08:00');
const portEvent = (seq: number) => ({ seq, subject: S, kind: 'port', state: seq % 2 ? 'down' : 'up', at: DEC + seq * 1000, via: 'poll' });

describe('dcprobe-collector backup', () => {
  it('copies a store while an agent streams; the restored copy exports the same bytes and keeps ingesting', async () => {
    const live = await run(join(tmp, 'live', 'dcprobe.sqlite'));
    const agent = await TestAgent.connect(`${live.url.replace('http', 'ws')}/agent`, TOKEN.agent);
    onTestFinished(() => agent.close());
    await agent.hello('rack-a1');
    // November: settled history the exports are compared on. December: the live stream.
    const nov = [['up', '2026-11-01T00:00:00+08:00'], ['down', '2026-11-03T10:00:00+08:00'], ['up', '2026-11-03T10:50:00+08:00']] as const;
    await agent.events(nov.map(([state, at], i) => ({ seq: i + 1, subject: P1, kind: 'port', state, at: Date.parse(at), via: 'poll' })), 3);
    const report = await fetch(`${live.url}/api/v1/reports`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN.api}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'T-1', customer: 'cust-net', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00' }),
    });
    expect(report.status).toBe(201);
    const query = `month=2026-11&asOf=${encodeURIComponent(new Date().toISOString())}`;
    const before = await scenario(live.url, 'cust-net', query);

    let seq = 3;
    let stop = false;
    const streaming = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 200 }, () => portEvent(++seq));
        await agent.events(batch, seq);
      }
    })();
    while (seq < 2_000) await new Promise((r) => setTimeout(r, 20)); // the stream is under way
    const ackedBefore = seq - 200; // the batch in flight may not be acked yet
    const dest = join(tmp, 'backup.sqlite');
    const out = await backup(live.file, dest);
    stop = true;
    await streaming;
    expect(out).toMatch(new RegExp(`^${dest}: backup of .*live/dcprobe\\.sqlite \\(schema \\d+\\): \\d+ observations, \\d+ of them from the ingest journal, \\d+ bytes, quick_check ok\\n$`));

    // Every event acked before the backup began, and no gap after: a consistent instant.
    const held = seqs(dest);
    expect(held.length).toBeGreaterThanOrEqual(ackedBefore);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => i + 1));
    expect(held.length).toBeLessThanOrEqual(seq);

    // Restore: the copy alone, as the store of a new collector.
    mkdirSync(join(tmp, 'restored'));
    const restoredDb = join(tmp, 'restored', 'dcprobe.sqlite');
    copyFileSync(dest, restoredDb);
    const restored = await run(restoredDb);
    expect(await scenario(restored.url, 'cust-net', query)).toBe(before);
    expect(await scenario(live.url, 'cust-net', query)).toBe(before);

    // New events after the restore are stored (the new journal continues past the copy's mark).
    const again = await TestAgent.connect(`${restored.url.replace('http', 'ws')}/agent`, TOKEN.agent);
    onTestFinished(() => again.close());
    const welcome = await again.hello('rack-a1');
    expect(welcome.committedSeq).toBe(held.length);
    const next = held.length + 1;
    await again.events([portEvent(next)], next);
    const dec = JSON.parse(await scenario(restored.url, 'cust-stream', `month=2026-12&asOf=${encodeURIComponent(new Date().toISOString())}`));
    expect(dec.observations.at(-1)).toEqual({ subject: S, state: next % 2 ? 'down' : 'up', at: formatInstant(DEC + next * 1000, 'Asia/Shanghai') });
  });

  it('includes what only the ingest journal holds (a store left by a crash, no collector running)', async () => {
    const dir = join(tmp, 'crashed');
    mkdirSync(dir);
    copyFileSync(join(FIXTURE, 'dcprobe.sqlite'), join(dir, 'dcprobe.sqlite'));
    copyFileSync(join(FIXTURE, 'dcprobe.sqlite.ingest'), join(dir, 'dcprobe.sqlite.ingest'));
    const fixture = readFileSync(join(FIXTURE, 'collector.yml'), 'utf8');
    const file = join(tmp, 'crashed.yml');
    writeFileSync(file, fixture.replace(/^database: .*$/m, `database: ${join(dir, 'dcprobe.sqlite')}`));
    const dest = join(tmp, 'crashed-backup.sqlite');
    expect(await backup(file, dest)).toMatch(/: 12 observations, 2 of them from the ingest journal, /);

    mkdirSync(join(tmp, 'crashed-restored'));
    const restoredDb = join(tmp, 'crashed-restored', 'dcprobe.sqlite');
    copyFileSync(dest, restoredDb);
    const port = await freePort();
    const cfg = join(tmp, 'crashed-restored.yml');
    writeFileSync(cfg, fixture.replace(/^database: .*$/m, `database: ${restoredDb}`).replace(/^listen: .*$/m, `listen: 127.0.0.1:${port}`));
    const p = startProgram(built.collector, ['run', '--config', cfg]);
    onTestFinished(() => p.kill());
    await httpUntilOk(`http://127.0.0.1:${port}/healthz`, 20_000, p);
    const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as { query: string; customers: string[] };
    for (const id of expected.customers) {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/customers/${id}/scenario?${expected.query}`, { headers: { authorization: 'Bearer fixture-admin-token-0123456789' } });
      expect(await r.text()).toBe(readFileSync(join(FIXTURE, `expected-${id}.json`), 'utf8'));
    }
  });
});
