/**
 * Waiting in tests. Every wait is bounded in time and names what it waited for, so a
 * timeout says which condition never came.
 *
 *   sleep(ms)
 *   waitUntil(what, fn, { timeoutMs = 10_000, intervalMs = 100 }) → first truthy result of fn
 *       fn may be async. Errors thrown by fn count as "not yet" (the timeout error names
 *       `what` and the last error), except GiveUp: throw `new GiveUp(msg)` when waiting
 *       longer is pointless (the daemon being waited for has exited).
 *   until(cond, ms = 10_000, what = 'condition', intervalMs = 10)
 *       The short form for a synchronous condition on in-process state, polled often.
 */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Thrown from a waitUntil callback to stop waiting at once. */
export class GiveUp extends Error {}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitUntil<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? `: ${lastErr.message}` : lastErr === undefined ? '' : `: ${String(lastErr)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves once `cond()` holds; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition', intervalMs = 10): Promise<void> {
  await waitUntil(what, cond, { timeoutMs: ms, intervalMs });
}

/** Calls `fn` until its result satisfies `ok`; returns the last result (the caller's assertion names what was wrong). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000, intervalMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(intervalMs);
  }
}
