/**
 * Temp dirs for tests: `tempDir(prefix)` makes a fresh private (0700) directory under the
 * OS temp dir and returns `{ dir, cleanup }`. Call `cleanup()` when the test is done with
 * it (afterEach, onTestFinished, a fixture's stop()); whatever is still there when the test
 * process exits is removed then, so a failed test leaves nothing in /tmp.
 * DCPROBE_E2E_KEEP=1 keeps them for a look after the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './procs.ts';

export interface TempDir {
  readonly dir: string;
  cleanup(): void;
}

const keep = (): boolean => Boolean(process.env.DCPROBE_E2E_KEEP);

export function tempDir(prefix = 'dcprobe-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => {
    // A worker thread still closing (a store that failed to open) may add a file while the
    // tree is removed: rmSync retries ENOTEMPTY instead of failing the test on cleanup.
    if (!keep()) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };
  const unregister = onProcessExit(remove);
  return {
    dir,
    cleanup() {
      unregister();
      remove();
    },
  };
}
