/**
 * Connecting to a real PostgreSQL: a refused password, a missing database and
 * a server that is down are each a coded error, the first two at once and the
 * last after the start-up bound, and a server that comes up within the bound
 * is waited for. No error or log line carries the password.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { E, isCoded } from '@dcprobe/shared';
import { connectPostgres, parseDatabase, type PgTarget, type Postgres } from '../../../collector/src/store/postgres/connect.ts';
import { usePostgresCluster } from '../../support/postgres.ts';
import { freeTcpPort } from '../../support/ports.ts';

const pg = usePostgresCluster();
const open: Postgres[] = [];
afterAll(async () => { for (const p of open.splice(0)) await p.close(); });

function target(url: string): PgTarget {
  const t = parseDatabase(url);
  if (t.kind !== 'postgres') throw new Error(`${url} is not a postgres URL`);
  return t.target;
}

/** A pino logger writing into an array, to read what an operator would see. */
function capture(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: pino({ level: 'debug' }, sink), lines };
}

async function failure(p: Promise<unknown>): Promise<Error & { code: string }> {
  try { await p; } catch (e) { return e as Error & { code: string }; }
  throw new Error('expected a failure');
}

/** Nothing about the error, its stack or its JSON form holds the secret. */
function expectNoSecret(e: unknown, secret: string, lines: string[] = []): void {
  const err = e as Error;
  expect(`${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String((err as { cause?: unknown }).cause ?? '')}\n${lines.join('')}`).not.toContain(secret);
}

describe('connecting to PostgreSQL', () => {
  it('connects, reads bigint as a number, and keeps synchronous_commit on whatever the role says', async () => {
    const url = await pg().createDatabase('connect');
    await pg().psql(`ALTER ROLE postgres IN DATABASE ${url.split('/').pop()} SET synchronous_commit = off`);
    const c = await connectPostgres(target(url));
    open.push(c);
    const r = await c.pool.query<{ sc: string; big: number }>(`SELECT current_setting('synchronous_commit') sc, 1780000000000::bigint big`);
    expect(r.rows[0]).toEqual({ sc: 'on', big: 1_780_000_000_000 });
    const own = await c.client();
    try {
      expect((await own.query(`SHOW synchronous_commit`)).rows[0].synchronous_commit).toBe('on');
    } finally { await own.end(); }
  });

  it('refuses a wrong password at once, without retrying, and never shows it', async () => {
    const url = await pg().createDatabase('connect');
    const wrong = 'Wrong-Secret-7731';
    const { log, lines } = capture();
    const t0 = Date.now();
    const e = await failure(connectPostgres(target(url.replace(`:${pg().password}@`, `:${wrong}@`)), { startupTimeoutMs: 20_000, log }));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(isCoded(e, E.STORE_AUTH)).toBe(true);
    expect(e.message).toBe(`postgres://postgres:<secret>@127.0.0.1:${pg().port}/${url.split('/').pop()}: PostgreSQL refused user "postgres": 28P01: password authentication failed for user "postgres"`);
    expectNoSecret(e, wrong, lines);
    expectNoSecret(e, pg().password, lines);
  });

  it('says so when the server asks for a password the URL does not give', async () => {
    const url = await pg().createDatabase('connect');
    const e = await failure(connectPostgres(target(url.replace(`:${pg().password}@`, '@')), { startupTimeoutMs: 20_000 }));
    expect(isCoded(e, E.STORE_AUTH)).toBe(true);
    expect(e.message).toBe(`postgres://postgres@127.0.0.1:${pg().port}/${url.split('/').pop()}: PostgreSQL asks user "postgres" for a password and database: gives none`);
  });

  it('fails at once on a database that does not exist', async () => {
    const e = await failure(connectPostgres(target(pg().url('no_such_db')), { startupTimeoutMs: 20_000 }));
    expect(isCoded(e, E.STORE_OPEN)).toBe(true);
    expect(e.message).toBe(`postgres://postgres:<secret>@127.0.0.1:${pg().port}/no_such_db: 3D000: database "no_such_db" does not exist`);
    expectNoSecret(e, pg().password);
  });

  it('gives up on a server that stays down after the start-up bound, with a clear error and warnings on the way', async () => {
    const port = await freeTcpPort(); // nothing listens there
    const { log, lines } = capture();
    const t0 = Date.now();
    const e = await failure(connectPostgres(target(`postgres://postgres:${pg().password}@127.0.0.1:${port}/ledger`), { startupTimeoutMs: 1_500, log }));
    const took = Date.now() - t0;
    expect(isCoded(e, E.STORE_UNAVAILABLE)).toBe(true);
    expect(e.message).toMatch(new RegExp(`^postgres://postgres:<secret>@127\\.0\\.0\\.1:${port}/ledger: PostgreSQL not reachable after \\d+ attempts in 1\\.[5-9] s \\(ECONNREFUSED: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`));
    expect(took).toBeGreaterThanOrEqual(1_500);
    expect(took).toBeLessThan(5_000);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'PostgreSQL not reachable yet; retrying', target: `postgres://postgres:<secret>@127.0.0.1:${port}/ledger`, attempt: 1 });
    expectNoSecret(e, pg().password, lines);
  });

  it('waits for a server that comes up within the bound, and its pool outlives a restart', async () => {
    const url = await pg().createDatabase('connect');
    await pg().stop('immediate');
    const up = new Promise<void>((resolve, reject) => setTimeout(() => pg().start().then(resolve, reject), 1_000));
    const { log, lines } = capture();
    const c = await connectPostgres(target(url), { startupTimeoutMs: 20_000, log });
    open.push(c);
    await up;
    expect(lines.length).toBeGreaterThan(0); // it did wait
    expect((await c.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);

    await pg().stop('immediate');
    await pg().start();
    // The pool's idle connections died with the server: it drops them and connects afresh.
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = await c.pool.query('SELECT 1').then(() => true, () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(true);
    expectNoSecret(new Error(''), pg().password, lines);
  }, 60_000);
});
