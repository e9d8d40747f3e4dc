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
