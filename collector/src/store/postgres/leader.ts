/**
 * One leader among the collectors on one database, for the duties that must
 * run once (liveness gaps, SLA gauges, timers, scheduled jobs).
 *
 * The leader is whoever holds a session-level advisory lock, on a
 * connection of its own that does nothing else. PostgreSQL releases the lock
 * when that session ends, whatever ended it: a clean stop, kill -9 of the
 * collector (the kernel closes its socket), or a vanished host (the server's
 * TCP keepalives, set below, end the session within ~11 s). Followers try
 * the lock every `retryMs`, so a takeover follows the end of the leader's
 * session within that.
 *
 * The other side of the bound: a leader that can no longer reach the
 * database must stop leading before the server gives its lock away. It
 * checks its session every `checkMs` and steps down when a check fails or
 * takes longer than `checkTimeoutMs`, well inside the server's keepalive
 * time. A duty that writes can also check, inside its own transaction, that
 * the lock is still held (`stillLeads`), and not commit otherwise.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { LOCKS } from './locks.ts';
import type { Postgres } from './connect.ts';
import type { Queryable } from './migrations.ts';
import { keepDedicated, type Dedicated } from './dedicated.ts';

export interface LeaderOptions {
  /** How often a follower tries the lock, ms (default 1,000): the takeover once the leader's session ended. */
  retryMs?: number;
  /** How often the leader checks its session, ms (default 1,000). */
  checkMs?: number;
  /** A check slower than this means the session is lost: step down, ms (default 3,000). */
  checkTimeoutMs?: number;
  log?: Logger;
}

export interface Leadership {
  isLeader(): boolean;
  /** Called with the new state on every change (true: now leading). Returns an unsubscribe. */
  onChange(fn: (leader: boolean) => void): () => void;
  /** In a duty's transaction: whether this collector's session still holds the lock. */
  stillLeads(tx: Queryable): Promise<boolean>;
  /** Stops trying and ends the session, releasing the lock. */
  stop(): Promise<void>;
}

/** Server-side keepalives for the lock's session: a vanished leader host frees the lock in 5 + 2 × 3 s. */
const KEEPALIVES = 'SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3';

export function electLeader(db: Pick<Postgres, 'client'>, opts: LeaderOptions = {}): Leadership {
  const retryMs = opts.retryMs ?? 1_000;
  const checkMs = opts.checkMs ?? 1_000;
  const listeners = new Set<(leader: boolean) => void>();
  let leader = false;
  let backendPid: number | null = null;

  const set = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    opts.log?.info({ leader: v }, v ? 'leading: duties that run once start here' : 'no longer leading');
    for (const fn of listeners) fn(v);
  };

  /** One session: try the lock until it is ours, then hold it while the session answers. */
  async function session({ client, signal, wait }: Dedicated): Promise<void> {
    const row = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await client.query<T>(text, values)).rows[0]!;
    await client.query(KEEPALIVES);
    backendPid = (await row<{ pid: number }>('SELECT pg_backend_pid() AS pid')).pid;
    for (;;) {
      if (signal.aborted) return;
      if ((await row<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [...LOCKS.leader])).got) break;
      const gone = await wait(retryMs);
      if (gone) throw gone;
    }
    set(true);
    while (!signal.aborted) {
      const gone = await wait(checkMs);
      if (gone) throw gone;
      if (!signal.aborted) await client.query('SELECT 1');
    }
  }

  const loop = keepDedicated(db, { retryMs, queryTimeoutMs: opts.checkTimeoutMs ?? 3_000, what: 'leader election', log: opts.log }, session, () => {
    set(false); // before the session ends: never two collectors that both believe they lead
    backendPid = null;
  });

  return {
    isLeader: () => leader,
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async stillLeads(tx) {
      const pid = backendPid;
      if (!leader || pid === null) return false;
      const r = await tx.query<{ held: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
        AND classid = $1::oid AND objid = $2::oid AND objsubid = 2 AND pid = $3 AND granted) AS held`, [...LOCKS.leader, pid]);
      return r.rows[0]!.held;
    },
    stop: () => loop.stop(),
  };
}
