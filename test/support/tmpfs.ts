/**
 * A real small disk for disk-full tests: a tmpfs of a given size mounted on a
 * fresh temp dir (needs root), filled up on demand and unmounted after. The
 * mount is also undone if the test process exits first.
 *
 *   const disk = await mountTmpfs(256 * 1024)
 *   await disk.fill()          // a filler file takes every free page
 *   await disk.fill(4096)      // … all but this many bytes
 *   await disk.free()          // removes the filler
 *   await disk.unmount()
 */
import { execFileSync } from 'node:child_process';
import { open, rm, rmdir, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { onProcessExit, run } from './procs.ts';
import { tempDir } from './temp.ts';

export interface Tmpfs {
  dir: string;
  /** Bytes still free, as the kernel counts them (whole pages). */
  freeBytes(): Promise<number>;
  /** Fills the disk with a filler file, leaving `leaveBytes` (rounded down to pages) free. */
  fill(leaveBytes?: number): Promise<void>;
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs> {
  const dir = tempDir('dcp-tmpfs-').dir;
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  const undo = onProcessExit(() => {
    try { execFileSync('umount', ['-l', dir]); } catch { /* not mounted */ }
  });
  const filler = join(dir, 'filler');
  const freeBytes = async () => { const s = await statfs(dir); return s.bavail * s.bsize; };
  return {
    dir,
    freeBytes,
    async fill(leaveBytes = 0) {
      const fh = await open(filler, 'a');
      try {
        const page = Buffer.alloc(4096, 0x78);
        // Pages one by one until only `leaveBytes` remain, then until the kernel says ENOSPC.
        while (await freeBytes() > leaveBytes) {
          try { await fh.write(page); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break; throw e; }
          if (leaveBytes > 0 && await freeBytes() <= leaveBytes) break;
        }
      } finally {
        await fh.close();
      }
    },
    async free() {
      await unlink(filler).catch(() => undefined);
    },
    async unmount() {
      await run('umount', [dir]);
      undo();
      await rmdir(dir).catch(() => rm(dir, { recursive: true, force: true }));
    },
  };
}
