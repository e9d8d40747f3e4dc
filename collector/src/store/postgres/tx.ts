/**
 * One transaction on a pooled connection, with the failures a caller must
 * tell apart turned into codes once, here: a lost or refused connection
 * (the server restarting, a network cut) is DCP_STORE_UNAVAILABLE, and
 * then whether a COMMIT in flight took effect is unknown, so nothing that
 * depended on it may be acked. Anything else (a constraint, a bug) is
 * rethrown as it came. A connection that failed is destroyed, not returned
 * to the pool.
 */
import pg from 'pg';
import { DcprobeError, E } from '@dcprobe/shared';
import { reasonOf } from './connect.ts';

/** SQLSTATE classes of a lost connection or a server going away (08: connection, 57: operator intervention). */
const GONE = /^(08|57)/;

/** How a transaction begins: a read of one snapshot passes `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`. */
export type Begin = 'BEGIN' | typeof READ_SNAPSHOT;
/** A read-only transaction that sees one snapshot throughout. */
export const READ_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';

export async function inTransaction<T>(pool: pg.Pool, what: string, fn: (c: pg.PoolClient) => Promise<T>, begin: Begin = 'BEGIN'): Promise<T> {
  let c: pg.PoolClient;
  try {
    c = await pool.connect();
  } catch (e) {
    throw unavailable(what, e);
  }
  let broken: Error | undefined;
  try {
    await c.query(begin);
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    broken = e as Error;
    await c.query('ROLLBACK').catch(() => {});
    if (!(e instanceof pg.DatabaseError) || GONE.test(e.code ?? '')) {
      if (e instanceof DcprobeError) throw e;
      throw unavailable(what, e);
    }
    throw e;
  } finally {
    c.release(broken);
  }
}

function unavailable(what: string, e: unknown): DcprobeError {
  return new DcprobeError(E.STORE_UNAVAILABLE, `${what}: PostgreSQL unavailable, nothing committed for sure: ${reasonOf(e)}`);
}
