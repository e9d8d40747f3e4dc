/**
 * The PostgreSQL schema: migrated once however many collectors start at the
 * same time, the same relations and columns as the SQLite store so operators'
 * SQL works on both, and the ledger tables append-only as in SQLite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { E, isCoded } from '@dcprobe/shared';
import { openDb } from '../../../collector/src/store/sqlite/db.ts';
import { connectPostgres, parseDatabase, type Postgres } from '../../../collector/src/store/postgres/connect.ts';
import { MIGRATIONS, migrate, schemaVersion } from '../../../collector/src/store/postgres/migrations.ts';
import { usePostgresCluster } from '../../support/postgres.ts';

const cluster = usePostgresCluster();
const open: Postgres[] = [];
afterAll(async () => { for (const p of open.splice(0)) await p.close(); });

async function fresh(): Promise<Postgres> {
  const t = parseDatabase(await cluster().createDatabase('migrate'));
  if (t.kind !== 'postgres') throw new Error('not postgres');
  const c = await connectPostgres(t.target);
  open.push(c);
  return c;
}

/** SQLite relations that are the SQLite store's own machinery (integer keys, its journal mark). */
// store_chain: the hash chain's links (store/chain.ts); the PostgreSQL store does not write them yet.
const SQLITE_ONLY = new Set(['subjects', 'agent_keys', 'observation_rows', 'hidden_flap_rows', 'ingest_projection', 'store_chain']);
const LEDGER = ['customer_versions', 'report_versions', 'exclusion_versions', 'audit'];

describe('PostgreSQL migrations', () => {
  it('migrates an empty database once, then finds it current', async () => {
    const db = await fresh();
    expect(await schemaVersion(db.pool)).toBe(0);
    expect(await migrate(db.pool, { by: 'collector-a' })).toEqual({ from: 0, to: MIGRATIONS.length });
    expect(await migrate(db.pool, { by: 'collector-a' })).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
    const rows = await db.pool.query('SELECT version, applied_by FROM schema_version ORDER BY version');
    expect(rows.rows).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1, applied_by: 'collector-a' })));
  });

  it('runs each migration exactly once when three collectors start at the same moment', async () => {
    const db = await fresh();
    // A last migration that takes a while and counts its runs: the others arrive while it runs.
    const slow = `CREATE TABLE migration_runs (n int); INSERT INTO migration_runs VALUES (1); SELECT pg_sleep(0.5);`;
    const list = [...MIGRATIONS, slow];
    const clients = await Promise.all([1, 2, 3].map(async () => { const c = new pg.Client({ ...connOf(db) }); await c.connect(); return c; }));
    try {
      const results = await Promise.all(clients.map((c, i) => migrate(c, { by: `collector-${i}`, migrations: list })));
      expect(results.filter((r) => r.from === 0)).toHaveLength(1);
      expect(results.every((r) => r.to === list.length)).toBe(true);
      expect(results.filter((r) => r.from === list.length)).toHaveLength(2);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect((await db.pool.query('SELECT count(*)::int n FROM migration_runs')).rows[0].n).toBe(1);
    expect((await db.pool.query('SELECT count(*)::int n, count(DISTINCT version)::int d FROM schema_version')).rows[0]).toEqual({ n: list.length, d: list.length });
  });

  it('refuses a schema newer than this collector knows', async () => {
    const db = await fresh();
    await migrate(db.pool, { migrations: [...MIGRATIONS, 'SELECT 1'] });
    let err: unknown;
    try { await migrate(db.pool); } catch (e) { err = e; }
    expect(isCoded(err, E.STORE_OPEN)).toBe(true);
    expect((err as Error).message).toBe(`store schema version ${MIGRATIONS.length + 1} is newer than this collector (${MIGRATIONS.length}): upgrade the collector`);
  });

  it('has every relation of the SQLite store with the same columns in the same order', async () => {
    const db = await fresh();
    await migrate(db.pool);
    const lite = openDb(':memory:');
    try {
      const names = (lite.prepare(`SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[])
        .filter((n) => !SQLITE_ONLY.has(n));
      expect(names).toContain('observations');
      for (const name of names) {
        const want = (lite.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(name) as string[]);
        const got = await db.pool.query<{ c: string }>(`SELECT attname c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [name]);
        expect({ name, columns: got.rows.map((r) => r.c) }).toEqual({ name, columns: want });
      }
    } finally {
      lite.close();
    }
  });

  it('holds the same values as SQLite in observations', async () => {
    const db = await fresh();
    await migrate(db.pool);
    const lite = openDb(':memory:');
    const row = { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'down', at: 1_780_272_000_123, via: 'lastchange', agent_id: 'rack-a', seq: 7, received_at: 1_780_272_000_456, evidence: '{"ifIndex":501,"ifOperStatus":2}' };
    try {
      lite.prepare(`INSERT INTO subjects (name) VALUES (?)`).run(row.subject);
      lite.prepare(`INSERT INTO agent_keys (agent_id) VALUES (?)`).run(row.agent_id);
      lite.prepare(`INSERT INTO observation_rows (subject_id, kind, state, at, via, agent_key, seq, received_at, evidence) VALUES (1, ?, ?, ?, ?, 1, ?, ?, ?)`)
        .run(row.kind, row.state, row.at, row.via, row.seq, row.received_at, row.evidence);
      await db.pool.query(`INSERT INTO observations (subject, kind, state, at, via, agent_id, seq, received_at, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, Object.values(row));
      const sql = `SELECT id, subject, kind, state, at, via, agent_id, seq, received_at, evidence FROM observations WHERE subject = 'sw1/ge-0/0/1' AND at >= 1780272000000`;
      expect((await db.pool.query(sql)).rows).toEqual(lite.prepare(sql).all());
    } finally {
      lite.close();
    }
  });

  it('gives each stored subject its owner when subject_owners comes in: the agent of its latest observation, none after an import', async () => {
    const db = await fresh();
    const upTo9 = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE subject_owners'));
    await migrate(db.pool, { migrations: MIGRATIONS.slice(0, upTo9) });
    const rows: [string, number, string | null, number | null][] = [
      ['sw1/p1', 1_000, 'rack-a', 1], ['sw1/p1', 2_000, 'rack-a', 2], ['sw1/p2', 1_000, 'rack-b', 1],
      ['sw1/p3', 1_000, 'rack-a', 3], ['sw1/p3', 5_000, null, null], // last written by an import
    ];
    for (const [subject, at, agent, seq] of rows) {
      await db.pool.query(`INSERT INTO observations (subject, kind, state, at, via, agent_id, seq, received_at) VALUES ($1, 'port', 'up', $2, 'poll', $3, $4, $2)`, [subject, at, agent, seq]);
    }
    await migrate(db.pool);
    expect((await db.pool.query('SELECT subject, agent_id, claimed_at FROM subject_owners ORDER BY subject')).rows).toEqual([
      { subject: 'sw1/p1', agent_id: 'rack-a', claimed_at: 2000 }, { subject: 'sw1/p2', agent_id: 'rack-b', claimed_at: 1000 },
    ]);
    await expect(db.pool.query(`UPDATE subject_owners SET agent_id = 'rack-b'`)).rejects.toThrow(/append-only/);
  });

  it('keeps the ledger append-only, as SQLite does', async () => {
    const db = await fresh();
    await migrate(db.pool);
    await db.pool.query(`INSERT INTO audit (at, actor, action, entity, entity_id) VALUES (1, 'noc', 'create', 'report', 'r1')`);
    await db.pool.query(`INSERT INTO customer_versions (customer_id, version, valid_from, spec, source, recorded_at, recorded_by) VALUES ('acme', 1, 0, '{}', 'config', 1, 'config')`);
    await db.pool.query(`INSERT INTO report_versions (report_id, version, change, customer_id, service, reported_at, recorded_at, recorded_by) VALUES ('r1', 1, 'create', 'acme', 'network', 1, 1, 'noc')`);
    await db.pool.query(`INSERT INTO exclusion_versions (exclusion_id, version, change, start, "end", category, ref, recorded_at, recorded_by) VALUES ('x1', 1, 'create', 0, 1, 'maintenance', 'CHG-1', 1, 'noc')`);
    for (const table of LEDGER) {
      for (const sql of [`UPDATE ${table} SET id = id`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        const e = await db.pool.query(sql).then(() => null, (x: pg.DatabaseError) => x);
        expect({ sql, code: e?.code, message: e?.message }).toEqual({ sql, code: '23001', message: `${table} is append-only` });
      }
      expect((await db.pool.query(`SELECT count(*)::int n FROM ${table}`)).rows[0].n).toBe(1);
    }
  });

  it('keeps the constraints: kind, one (agent, seq), one version per ledger item', async () => {
    const db = await fresh();
    await migrate(db.pool);
    const ins = `INSERT INTO observations (subject, kind, state, at, via, agent_id, seq, received_at) VALUES ($1, $2, 'down', 1, 'poll', $3, $4, 1)`;
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: pg.DatabaseError) => e.code);
    expect(await code(db.pool.query(ins, ['s', 'fan', 'a', 1]))).toBe('23514');
    expect(await code(db.pool.query(ins, ['s', 'port', 'a', 1]))).toBe('ok');
    expect(await code(db.pool.query(ins, ['s', 'port', 'a', 1]))).toBe('23505');
    expect(await code(db.pool.query(ins, ['s', 'port', 'a', null]))).toBe('ok');
    expect(await code(db.pool.query(ins, ['s', 'port', 'a', null]))).toBe('ok'); // the collector's own rows have no seq
    const ver = `INSERT INTO customer_versions (customer_id, version, valid_from, spec, source, recorded_at, recorded_by) VALUES ('acme', 1, 0, '{}', 'api', 1, 'noc')`;
    expect(await code(db.pool.query(ver))).toBe('ok');
    expect(await code(db.pool.query(ver))).toBe('23505');
  });
});

/** The pool's connection settings, for clients of a test's own. */
function connOf(db: Postgres): pg.ClientConfig {
  const t = db.target;
  return { host: t.host, port: t.port, user: t.user, password: t.password, database: t.database };
}
