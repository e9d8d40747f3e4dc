/**
 * CPU profile of one measured window (not the whole process: start-up, module
 * loading and warm-up would drown the steady state). Uses the inspector in the
 * process itself; the result is a .cpuprofile for DevTools, speedscope or
 * bench/lib/profile-summary.ts.
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export async function startProfile(): Promise<{ stop(file: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 200 µs sampling: fine enough for per-batch work, cheap enough not to skew the rate much.
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(file: string): Promise<string> {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
