/**
 * The connection to PostgreSQL (`database:` is parsed in lib/database-url.ts).
 * A PostgreSQL that is down at start-up is waited for within a bound, then
 * it is a clear error: the collector never falls back to SQLite, which would
 * split the ledger in two.
 *
 * The password never appears in an error or a log line: messages print the
 * target as `postgres://user:<secret>@host:port/db`, and pg's own errors are
 * copied as code + message with the password scrubbed, never attached as a
 * cause.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { DcprobeError, E, SECRET_PLACEHOLDER } from '@dcprobe/shared';

import { FIELD, describeTarget, type PgTarget } from '../../lib/database-url.ts';

export { describeTarget, parseDatabase, type DatabaseTarget, type PgTarget } from '../../lib/database-url.ts';

export interface ConnectOptions {
  /** How long a database that is down at start-up is waited for, ms (default 30,000). */
  startupTimeoutMs?: number;
  /** Pooled connections (default 10). */
  poolSize?: number;
  log?: Logger;
  /** Shown in pg_stat_activity; a collector names itself (default `dcprobe-collector`). */
  applicationName?: string;
}

export interface Postgres {
  readonly target: PgTarget;
  /** Short transactions: ingest, reads. A connection that dies while idle is dropped, not reused. */
  readonly pool: pg.Pool;
  /**
   * A connection of its own outside the pool (leader lock, LISTEN), connected, with the pool's
   * settings; `queryTimeoutMs` fails any query not answered in time (a session that went silent).
   */
  client(opts?: { queryTimeoutMs?: number }): Promise<pg.Client>;
  close(): Promise<void>;
}

/** Connects, waiting up to `startupTimeoutMs` for a database that is down; throws STORE_AUTH, STORE_UNAVAILABLE or STORE_OPEN. */
export async function connectPostgres(target: PgTarget, opts: ConnectOptions = {}): Promise<Postgres> {
  const config = clientConfig(target, opts.applicationName ?? 'dcprobe-collector');
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle pooled connection that dies (server restart) is an 'error' on the pool: without
  // a listener that would end the process. The pool drops it; the next checkout reconnects.
  const lost = (e: Error) => opts.log?.warn({ target: describeTarget(target), reason: reasonOf(e, target) }, 'PostgreSQL connection lost');
  pool.on('error', lost);
  // A checked-out connection that dies between two queries emits 'error' on its client, which
  // would end the process unheard; the query in progress or the next one fails with it anyway.
  pool.on('connect', (c) => c.on('error', lost));
  try {
    await firstConnection(pool, target, opts);
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
  return {
    target,
    pool,
    async client(o = {}) {
      const c = new pg.Client({ ...config, ...(o.queryTimeoutMs ? { query_timeout: o.queryTimeoutMs } : {}) });
      try {
        await c.connect();
      } catch (e) {
        throw new DcprobeError(E.STORE_UNAVAILABLE, `${describeTarget(target)}: cannot connect: ${reasonOf(e, target)}`);
      }
      return c;
    },
    close: () => pool.end(),
  };
}

/** pg settings shared by the pool and dedicated clients. */
function clientConfig(t: PgTarget, applicationName: string): pg.ClientConfig {
  return {
    host: t.host, port: t.port, user: t.user, database: t.database, ssl: t.ssl,
    // A function, so a server that asks for a password the URL does not give is a
    // coded error at once (not pg's uncoded SASL error, retried until the bound).
    password: () => {
      if (t.password === undefined) throw new DcprobeError(E.STORE_AUTH, `${describeTarget(t)}: PostgreSQL asks user "${t.user}" for a password and ${FIELD}: gives none`);
      return t.password;
    },
    application_name: applicationName,
    // An ack promises durability: an operator's ALTER ROLE/DATABASE ... SET synchronous_commit = off must not weaken it.
    options: '-c synchronous_commit=on',
    connectionTimeoutMillis: 5_000,
    // A server that vanished (power, network) is noticed instead of waited on forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  };
}

/** Integer ms timestamps and seqs are bigint in the schema: as numbers, refusing any beyond 2^53. */
function typeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid !== pg.types.builtins.INT8) return pg.types.getTypeParser(oid, format);
  return safeNumber;
}

/** A bigint as text (ms, seq) as a number, refusing any beyond 2^53. */
export function safeNumber(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new DcprobeError(E.STORE_OPEN, `bigint ${s} does not fit a JavaScript number`);
  return n;
}

/** SQLSTATEs that mean "not now": the server is starting, shutting down or full. */
const TRANSIENT = /^(08...|57P0[123]|53300)$/;
const AUTH = /^28...$/;

async function firstConnection(pool: pg.Pool, target: PgTarget, opts: ConnectOptions): Promise<void> {
  const t0 = Date.now();
  const deadline = t0 + (opts.startupTimeoutMs ?? 30_000);
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      const v = await pool.query<{ v: number }>('SELECT current_setting(\'server_version_num\')::int AS v');
      if (v.rows[0]!.v < 150000) throw new DcprobeError(E.STORE_OPEN, `${describeTarget(target)}: PostgreSQL 15 or later is required`);
      return;
    } catch (e) {
      if (e instanceof DcprobeError) throw e;
      const reason = reasonOf(e, target);
      const sqlstate = e instanceof pg.DatabaseError ? e.code ?? '' : null;
      if (sqlstate !== null && AUTH.test(sqlstate)) throw new DcprobeError(E.STORE_AUTH, `${describeTarget(target)}: PostgreSQL refused user "${target.user}": ${reason}`);
      // Any other answer from the server (no such database, no privilege) will not change by waiting.
      if (sqlstate !== null && !TRANSIENT.test(sqlstate)) throw new DcprobeError(E.STORE_OPEN, `${describeTarget(target)}: ${reason}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        const s = ((Date.now() - t0) / 1000).toFixed(1);
        throw new DcprobeError(E.STORE_UNAVAILABLE, `${describeTarget(target)}: PostgreSQL not reachable after ${attempt} attempts in ${s} s (${reason})`);
      }
      opts.log?.warn({ target: describeTarget(target), attempt, reason }, 'PostgreSQL not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

/** An error as `CODE: message` for our messages, with the password scrubbed should a library ever echo it. */
export function reasonOf(e: unknown, t?: PgTarget): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? `${err.code}: ` : '';
  let text = `${code}${String(err.message ?? e)}`;
  if (t?.password) for (const p of new Set([t.password, encodeURIComponent(t.password)])) text = text.split(p).join(SECRET_PLACEHOLDER);
  return text;
}
