/**
 * Cache invalidation between collectors: every collector answers the API,
 * the page and /metrics the same, so a write on one must drop what the
 * others cached. The writer publishes on one channel inside its own
 * transaction (PostgreSQL delivers a NOTIFY only if, and once, that
 * transaction commits); every collector LISTENs on a dedicated connection.
 *
 * Notifications sent while a listener is disconnected are lost, not
 * queued: after every reconnection (a PostgreSQL restart, a network cut)
 * the listener LISTENs again and then reports "everything changed", so a
 * cache can never miss a change it was not told about.
 */
import type { Logger } from 'pino';
import type { Postgres } from './connect.ts';
import type { Queryable } from './migrations.ts';
import { keepDedicated } from './dedicated.ts';

export const CHANNEL = 'dcprobe_changes';

/** What changed: one customer's data, or (null) anything. */
export interface Change { customerId: string | null }

/** Publishes a change, in the caller's transaction: delivered after it commits, never if it rolls back. */
export async function publishChange(tx: Queryable, change: Change): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(change)]);
}

export interface ListenOptions {
  /** Wait before reconnecting, ms (default 1,000). */
  retryMs?: number;
  /** How often the idle connection is checked, ms (default 5,000): a silent loss is found within it plus the timeout. */
  checkMs?: number;
  log?: Logger;
}

export interface ChangeListener {
  /** Resolves once the first LISTEN is in place. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** Calls `onChange` for every change published by any collector, and with null after each reconnection. */
export function listenChanges(db: Pick<Postgres, 'client'>, onChange: (c: Change) => void, opts: ListenOptions = {}): ChangeListener {
  let listened = 0;
  let isReady: () => void = () => {};
  const ready = new Promise<void>((r) => { isReady = r; });
  const deliver = (c: Change) => {
    try {
      onChange(c);
    } catch (e) {
      opts.log?.error({ err: e }, 'change listener failed'); // a cache's bug must not end the LISTEN
    }
  };
  const loop = keepDedicated(db, { retryMs: opts.retryMs ?? 1_000, queryTimeoutMs: 5_000, what: 'change listener', log: opts.log }, async ({ client, signal, wait }) => {
    client.on('notification', (m) => { if (m.channel === CHANNEL) deliver(parseChange(m.payload, opts.log)); });
    await client.query(`LISTEN ${CHANNEL}`);
    // Listening again after a gap: whatever changed during it was not heard.
    if (listened++ > 0) deliver({ customerId: null });
    isReady();
    while (!signal.aborted) {
      const gone = await wait(opts.checkMs ?? 5_000);
      if (gone) throw gone;
      if (!signal.aborted) await client.query('SELECT 1');
    }
  }, () => {});
  return { ready: () => ready, stop: () => loop.stop() };
}

/** A payload that is not a Change (another program on the channel) counts as "anything changed". */
function parseChange(payload: string | undefined, log?: Logger): Change {
  try {
    const v = JSON.parse(payload ?? '') as { customerId?: unknown };
    if (typeof v.customerId === 'string' || v.customerId === null) return { customerId: v.customerId };
  } catch {
    // fall through
  }
  log?.warn({ channel: CHANNEL }, 'unreadable change notification: invalidating everything');
  return { customerId: null };
}
