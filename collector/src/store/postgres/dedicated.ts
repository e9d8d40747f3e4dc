/**
 * A dedicated connection kept for as long as it is wanted: the leader's lock
 * and the LISTEN for invalidations each live in a session of their own,
 * which ends when the server restarts, the network fails or the session is
 * terminated. This loop opens a new one after each end (after `retryMs`)
 * until stopped; the caller's `run` does the work of one session and says
 * what an ended session means for it in `ended`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { reasonOf, type Postgres } from './connect.ts';

export interface Dedicated {
  client: pg.Client;
  signal: AbortSignal;
  /** Waits ms; resolves early with the loss when the session ends meanwhile (null: still up, or stopping). */
  wait(ms: number): Promise<Error | null>;
}

export interface LoopOptions {
  retryMs: number;
  /** A query unanswered this long fails, and with it the session (a peer gone silent). */
  queryTimeoutMs: number;
  /** For log lines: what the session is for. */
  what: string;
  log?: Logger | undefined;
}

export function keepDedicated(db: Pick<Postgres, 'client'>, opts: LoopOptions, run: (d: Dedicated) => Promise<void>, ended: () => void): { stop(): Promise<void> } {
  const stopping = new AbortController();
  /** Resolves after ms, or at once when stopping; never rejects. */
  const pause = (ms: number) => delay(ms, undefined, { signal: stopping.signal }).catch(() => {});

  async function one(): Promise<void> {
    let client: pg.Client | null = null;
    try {
      client = await db.client({ queryTimeoutMs: opts.queryTimeoutMs });
      const c = client;
      const lost = new Promise<Error>((resolve) => {
        c.on('error', resolve); // heard here, so it never ends the process
        c.on('end', () => resolve(new Error('connection ended')));
      });
      await run({ client: c, signal: stopping.signal, wait: (ms) => Promise.race([pause(ms).then(() => null), lost]) });
    } catch (e) {
      opts.log?.warn({ reason: reasonOf(e) }, `${opts.what}: PostgreSQL session lost`);
    } finally {
      ended(); // before the session ends, so its meaning (a lock, a LISTEN) is never assumed after
      client?.end().catch(() => {});
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await one();
      if (!stopping.signal.aborted) await pause(opts.retryMs);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
