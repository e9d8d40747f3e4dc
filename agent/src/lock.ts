/**
 * One agent per data dir: two processes appending to one outbox would reuse
 * seqs. The lock is a pid file created exclusively; a file left by a process
 * that is gone (crash, kill -9) is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DcprobeError, E } from '@dcprobe/shared';

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir} is in use by another agent (pid ${pid})`);
      }
      if (pid === process.pid) throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir} is already open in this process`);
      await rm(file, { force: true });
    }
  }
  throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir}: cannot take the lock`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
