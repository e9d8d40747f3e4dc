/**
 * `dcprobe-collector verify-store` on a store a running collector wrote
 * (agent events over the WebSocket, customer versions from the config): the
 * chain is intact; a row changed, deleted or added afterwards with the
 * `sqlite3` shell (triggers dropped first, as a tamperer would) is named.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../collector/src/cli.ts';
import { openStore } from '../../../../collector/src/store/open.ts';
import { TOKENS, TestAgent, collector, portEvent } from '../../../support/collector-harness.ts';
import { storeValue } from '../../../support/store-sql.ts';
import { tempDir, type TempDir } from '../../../support/temp.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);
let tmp: TempDir;
let pristine: string;

beforeAll(async () => {
  tmp = tempDir('dcprobe-verify-store-');
  const c = await collector(tmp.dir);
  try {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    for (let b = 0; b < 3; b++) {
      await a.events(Array.from({ length: 10 }, (_, i) => portEvent(b * 10 + i + 1, i % 2 ? 'down' : 'up', T0 + (b * 10 + i) * 1000)));
      await c.settled(); // one projection step per batch: a link each
    }
    const flap = { seq: 31, subject: 'sw1/ge-0/0/1', kind: 'hidden-flap', since: T0 + 40_000, at: T0 + 70_000, via: 'lastchange', evidence: { ifLastChange: 4200 } };
    await a.events([flap]);
    await c.settled();
    a.close();
  } finally { await c.close(); }
  pristine = join(tmp.dir, 'pristine.sqlite');
  execFileSync('sqlite3', [join(tmp.dir, 'dcprobe.sqlite'), `VACUUM INTO '${pristine}'`]);
});
afterAll(() => tmp.cleanup());

/** A copy of the pristine store (or of `base`), changed by `sql` in the sqlite3 shell, and verify-store's verdict on it. */
async function verifyAfter(name: string, sql: string | null, base = pristine) {
  const db = join(tmp.dir, `${name}.sqlite`);
  copyFileSync(base, db);
  if (sql) execFileSync('sqlite3', [db, sql]);
  const cfg = join(tmp.dir, `${name}.yml`);
  writeFileSync(cfg, `listen: 127.0.0.1:0\ndatabase: ${db}\n`);
  const out: string[] = [], err: string[] = [];
  const code = await main(['verify-store', '--config', cfg], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n'), db };
}

describe('dcprobe-collector verify-store', () => {
  it('finds the chain of a store as the collector left it intact, and prints its head', async () => {
    const r = await verifyAfter('intact', null);
    expect(r.err).toBe('');
    const head = storeValue<string>(r.db, 'SELECT hash FROM store_chain ORDER BY id DESC LIMIT 1');
    expect(r.out).toMatch(new RegExp(`hash chain intact, \\d+ links; head ${head}$`));
    expect(r.code).toBe(0);
    expect(storeValue<number>(r.db, `SELECT count(*) FROM store_chain WHERE tbl = 'observations'`)).toBeGreaterThanOrEqual(3);
    expect(storeValue<number>(r.db, `SELECT count(*) FROM store_chain WHERE tbl = 'customer_versions'`)).toBe(1);
  });

  it('names an observation whose state was changed', async () => {
    const r = await verifyAfter('changed', `UPDATE observation_rows SET state = 'up' WHERE seq = 12`);
    expect(r.code).toBe(1);
    const id = storeValue<number>(r.db, 'SELECT id FROM observation_rows WHERE seq = 12');
    const link = storeValue<{ first_id: number; last_id: number }>(r.db, `SELECT first_id || '..' || last_id FROM store_chain WHERE tbl = 'observations' AND ${id} BETWEEN first_id AND last_id`);
    expect(r.err).toContain(`the hash chain does not fit: observations a row among ids ${link} was changed`);
  });

  it('names an observation that was deleted, and one added outside the chain', async () => {
    const gone = await verifyAfter('deleted', `DELETE FROM observation_rows WHERE seq = 15`);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/observations row \d+ is missing/);
    const added = await verifyAfter('added', `INSERT INTO observation_rows (subject_id, kind, state, at, via, agent_key, seq, received_at)
      SELECT subject_id, kind, 'up', at + 1, via, agent_key, 999, received_at FROM observation_rows ORDER BY id DESC LIMIT 1`);
    expect(added.code).toBe(1);
    const id = storeValue<number>(added.db, 'SELECT id FROM observation_rows WHERE seq = 999');
    expect(added.err).toContain(`observations row ${id} is in no link of the chain`);
  });

  it('names a hidden flap whose window was moved', async () => {
    const r = await verifyAfter('flap', `UPDATE hidden_flap_rows SET since = since + 20000 WHERE seq = 31`);
    expect(r.code).toBe(1);
    const id = storeValue<number>(r.db, 'SELECT id FROM hidden_flap_rows WHERE seq = 31');
    expect(r.err).toContain(`the hash chain does not fit: hidden_flaps row ${id} was changed`);
  });

  it('names a customer version rewritten after its append-only trigger was dropped', async () => {
    const r = await verifyAfter('ledger', `DROP TRIGGER customer_versions_no_update;
      UPDATE customer_versions SET spec = replace(spec, 'sw1/ge-0/0/1', 'sw9/ge-0/0/9') WHERE customer_id = 'cust-a'`);
    expect(r.code).toBe(1);
    const id = storeValue<number>(r.db, `SELECT id FROM customer_versions WHERE customer_id = 'cust-a'`);
    expect(r.err).toContain(`customer_versions row ${id} was changed`);
  });

  it('chains a report\'s written-report time and an authorised operation, and names either changed later', async () => {
    // A report stored without a written report (its row hashes as before the column existed), one with it, an operation.
    const ledgered = join(tmp.dir, 'ledgered.sqlite');
    copyFileSync(pristine, ledgered);
    const store = await openStore(ledgered);
    const audit = (entity: 'report' | 'operation', id: string, version: number) => ({ at: T0, actor: 'noc', action: version === 1 ? 'create' : 'correct', entity, entityId: id, version });
    const report = { id: 'R-1', version: 1, change: 'create' as const, customer: 'cust-a', service: 'network' as const, reportedAt: T0, recordedAt: T0, recordedBy: 'noc' };
    await store.appendReport(report, audit('report', 'R-1', 1));
    await store.appendReport({ ...report, version: 2, change: 'correct', writtenReportAt: T0 + 3_600_000 }, audit('report', 'R-1', 2));
    await store.appendOperation({ id: 'O-1', version: 1, change: 'create', customer: 'cust-a', authorisedAt: T0, firstFeedbackAt: T0 + 60_000, recordedAt: T0, recordedBy: 'noc' }, audit('operation', 'O-1', 1));
    await store.close();
    expect((await verifyAfter('ledgered-copy', null, ledgered)).code).toBe(0);

    const back = await verifyAfter('written-later', `DROP TRIGGER report_versions_no_update; UPDATE report_versions SET written_report_at = ${T0 + 60_000} WHERE version = 1`, ledgered);
    expect(back.code).toBe(1);
    expect(back.err).toContain(`report_versions row ${storeValue<number>(back.db, `SELECT id FROM report_versions WHERE version = 1`)} was changed`);
    const moved = await verifyAfter('written-moved', `DROP TRIGGER report_versions_no_update; UPDATE report_versions SET written_report_at = written_report_at - 1 WHERE version = 2`, ledgered);
    expect(moved.err).toContain('report_versions row');
    const fed = await verifyAfter('feedback-moved', `DROP TRIGGER operation_versions_no_update; UPDATE operation_versions SET first_feedback_at = first_feedback_at - 60000`, ledgered);
    expect([fed.code, fed.err]).toEqual([1, expect.stringContaining('operation_versions row')]);
  });

  it('names a link whose hash was rewritten to fit changed rows, by the next link', async () => {
    // The changed link's own hash recomputed would need the tamperer to rewrite every link after it too.
    const r = await verifyAfter('relinked', `DROP TRIGGER store_chain_no_update;
      UPDATE store_chain SET hash = '${'f'.repeat(64)}' WHERE id = (SELECT min(id) FROM store_chain WHERE tbl = 'observations')`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not match its rows|does not follow/);
  });

  it('seals the rows of a store from before the chain when the store is upgraded, one link per table', async () => {
    const db = join(tmp.dir, 'upgraded.sqlite');
    copyFileSync(new URL('../../../fixtures/stores/schema-5/dcprobe.sqlite', import.meta.url), db);
    expect(storeValue<number>(db, 'PRAGMA user_version')).toBe(5);
    await (await openStore(db)).close();
    const cfg = join(tmp.dir, 'upgraded.yml');
    writeFileSync(cfg, `listen: 127.0.0.1:0\ndatabase: ${db}\n`);
    const out: string[] = [];
    expect(await main(['verify-store', '--config', cfg], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(out.join('\n')).toContain('hash chain intact');
    const observations = storeValue<number>(db, 'SELECT count(*) FROM observation_rows');
    expect(storeValue<string>(db, `SELECT first_id || '..' || last_id FROM store_chain WHERE tbl = 'observations' ORDER BY id LIMIT 1`)).toBe(`1..${observations}`);
  });
});
