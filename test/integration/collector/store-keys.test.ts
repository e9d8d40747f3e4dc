/**
 * Migration 5 (subjects and agents by integer key) on a real file: a store
 * written by the previous schema reads back the same through the
 * `observations` view, and a key made in a transaction that rolls back is not
 * reused from the cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDb, schemaVersion } from '../../../collector/src/store/sqlite/db.ts';
import { MIGRATIONS } from '../../../collector/src/store/sqlite/migrations.ts';
import { Keys } from '../../../collector/src/store/sqlite/keys.ts';
import { openStore } from '../../../collector/src/store/open.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';

const dirs: TempDir[] = [];
afterEach(() => { for (const d of dirs.splice(0)) d.cleanup(); });
function file(): string {
  const d = tempDir('dcprobe-keys-');
  dirs.push(d);
  return join(d.dir, 'store.db');
}

const OLD_ROWS = [
  { id: 1, subject: 'sw1/ge-0/0/1', kind: 'port', state: 'down', at: 1000, via: 'trap', agent_id: 'rack-a', seq: 1, received_at: 1001, evidence: '{"ifIndex":501}' },
  { id: 2, subject: 'ups-a/output', kind: 'power', state: 'battery', at: 2000, via: 'poll', agent_id: 'rack-b', seq: 1, received_at: 2001, evidence: null },
  { id: 3, subject: 'sw1/ge-0/0/1', kind: 'port', state: 'unknown', at: 3000, via: 'gap', agent_id: 'rack-a', seq: null, received_at: 3001, evidence: null },
  { id: 4, subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', at: 4000, via: 'poll', agent_id: null, seq: null, received_at: 4001, evidence: null },
];

describe('migration 5: integer keys behind the observations view', () => {
  it('keeps every row of a store written by schema 4, column for column', async () => {
    const f = file();
    const old = new Database(f);
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    old.pragma('user_version = 4');
    const put = old.prepare(`INSERT INTO observations (id, subject, kind, state, at, via, agent_id, seq, received_at, evidence)
      VALUES (@id, @subject, @kind, @state, @at, @via, @agent_id, @seq, @received_at, @evidence)`);
    for (const r of OLD_ROWS) put.run(r);
    old.close();

    const db = openDb(f);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT * FROM observations ORDER BY id').all()).toEqual(OLD_ROWS);
    expect(db.prepare('SELECT count(*) FROM subjects').pluck().get()).toBe(2);
    const store = await openStore(f);
    try {
      expect(await store.currentStates()).toEqual([
        { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', at: 4000, agentId: null },
        { subject: 'ups-a/output', kind: 'power', state: 'battery', at: 2000, agentId: 'rack-b' },
      ]);
      // New rows after the migration continue the ids and reuse the keys.
      expect(await store.importObservations([{ subject: 'ups-a/output', kind: 'power', state: 'mains', at: 5000, via: 'resync', agentId: 'rack-b', seq: null }], 5001)).toBe(1);
      expect(await store.importObservations([{ subject: 'sw1/ge-0/0/1', kind: 'port', state: 'down', at: 6000, via: 'trap', agentId: 'rack-a', seq: 1 }], 6001)).toBe(0); // (rack-a, 1) is stored
    } finally { await store.close(); }
    expect(db.prepare(`SELECT id, subject, agent_id FROM observations WHERE id > 4`).all()).toEqual([{ id: 5, subject: 'ups-a/output', agent_id: 'rack-b' }]);
    expect(db.prepare('SELECT count(*) FROM subjects').pluck().get()).toBe(2);
    db.close();
  });

  it('forgets a key made in a transaction that rolled back, and makes it again', () => {
    const db = openDb(file());
    const keys = new Keys(db);
    const failing = db.transaction(() => { keys.subject('sw9/ge-0/0/9'); keys.agent('rack-z'); throw new Error('disk full'); });
    expect(() => failing()).toThrow('disk full');
    keys.rollback();
    expect(db.prepare('SELECT count(*) FROM subjects').pluck().get()).toBe(0);
    const id = db.transaction(() => keys.subject('sw9/ge-0/0/9'))();
    keys.commit();
    expect(db.prepare('SELECT name FROM subjects WHERE id = ?').pluck().get(id)).toBe('sw9/ge-0/0/9');
    expect(keys.agent('rack-z')).toBe(db.prepare('SELECT id FROM agent_keys WHERE agent_id = ?').pluck().get('rack-z'));
    db.close();
  });

  it('refuses a row whose subject key does not exist (the foreign key holds)', () => {
    const db = openDb(file());
    expect(() => db.prepare(`INSERT INTO observation_rows (subject_id, kind, state, at, via, received_at) VALUES (42, 'port', 'up', 1, 'poll', 1)`).run())
      .toThrow(/FOREIGN KEY/);
    db.close();
  });
});
