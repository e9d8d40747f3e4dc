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
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { LOCKS } from './locks.ts';
import { reasonOf, type Postgres } from './connect.ts';
import type { Queryable } from './migrations.ts';

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
  const checkTimeoutMs = opts.checkTimeoutMs ?? 3_000;
  const listeners = new Set<(leader: boolean) => void>();
  const stopping = new AbortController();
  let leader = false;
  let backendPid: number | null = null;

  const set = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    opts.log?.info({ leader: v }, v ? 'leading: duties that run once start here' : 'no longer leading');
    for (const fn of listeners) fn(v);
  };
  /** Resolves after ms, or at once when stopping; never rejects. */
  const pause = (ms: number) => delay(ms, undefined, { signal: stopping.signal }).catch(() => {});

  /** One session: try the lock until it is ours, then hold it while the session answers. */
  async function session(client: pg.Client): Promise<void> {
    const lost = new Promise<Error>((resolve) => {
      client.on('error', resolve);
      client.on('end', () => resolve(new Error('connection ended')));
    });
    const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
      (await client.query<T>(text, values)).rows[0]!;
    await client.query(KEEPALIVES);
    backendPid = (await q<{ pid: number }>('SELECT pg_backend_pid() AS pid')).pid;
    while (!stopping.signal.aborted) {
      if ((await q<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [...LOCKS.leader])).got) break;
      if (await Promise.race([pause(retryMs).then(() => null), lost])) return;
    }
    if (stopping.signal.aborted) return;
    set(true);
    while (!stopping.signal.aborted) {
      const gone = await Promise.race([pause(checkMs).then(() => null), lost]);
      if (gone) throw gone;
      if (!stopping.signal.aborted) await q('SELECT 1');
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let client: pg.Client | null = null;
      try {
        client = await db.client({ queryTimeoutMs: checkTimeoutMs });
        await session(client);
      } catch (e) {
        opts.log?.warn({ reason: reasonOf(e) }, 'leader election: session lost');
      } finally {
        set(false); // before the session ends: never two collectors that both believe they lead
        backendPid = null;
        client?.end().catch(() => {});
      }
      if (!stopping.signal.aborted) await pause(retryMs);
    }
  })();

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
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
