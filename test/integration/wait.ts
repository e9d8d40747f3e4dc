/** Polling waits for integration tests (the e2e suite has its own in fixtures/procs.ts). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once `cond()` holds; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition', intervalMs = 10): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
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
