/**
 * One agent per data dir: two processes appending to one outbox would reuse
 * seqs. The lock file names its owner by PID, boot id and start time (field 22
 * of /proc/<pid>/stat), because a PID alone lies after a crash: in a container
 * the agent is PID 1, and its next incarnation finds "PID 1, alive" in the
 * file the killed one left; elsewhere the PID may have gone to another
 * process. A lock whose owner is not that very process is stale and taken over.
 *
 * The file appears complete (written aside, then hard-linked into place) and
 * is taken over by renaming it away and checking that what moved is what was
 * judged stale, so two agents starting at once cannot both win.
 */
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DcprobeError, E } from '@dcprobe/shared';

export const LOCK_FILE = 'agent.lock';

interface Owner {
  pid: number;
  /** /proc/sys/kernel/random/boot_id: a start time is only comparable within one boot. */
  boot?: string;
  /** Clock ticks after boot at which the process started. */
  start?: string;
}

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  const me = await ownerOf(process.pid);
  const mine = JSON.stringify(me);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createComplete(file, mine)) return () => removeIf(file, mine);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // gone meanwhile: try again
    const owner = parseOwner(text);
    if (owner && text === mine) throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir} is already open in this process`);
    if (owner && await running(owner)) {
      throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir} is in use by another agent (pid ${owner.pid}); stop it first`);
    }
    await takeAway(file, text);
  }
  throw new DcprobeError(E.STORE_OPEN, `dataDir ${dir}: cannot take the lock ${file}`);
}

/** Creates `file` holding `text`, or returns false if it exists. */
async function createComplete(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Moves a stale lock away; puts it back if what moved is not what was judged stale (a racer's fresh lock). */
async function takeAway(file: string, judged: string): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== judged) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

async function removeIf(file: string, mine: string): Promise<void> {
  if (await readFile(file, 'utf8').catch(() => undefined) === mine) await rm(file, { force: true });
}

/** The lock's owner, from today's JSON or an older agent's bare PID; undefined when garbled. */
function parseOwner(text: string): Owner | undefined {
  if (/^\d+$/.test(text.trim())) return { pid: Number(text.trim()) };
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (!Number.isSafeInteger(o.pid) || o.pid! <= 0) return undefined;
    return { pid: o.pid!, ...(typeof o.boot === 'string' ? { boot: o.boot } : {}), ...(typeof o.start === 'string' ? { start: o.start } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote the lock still runs. */
async function running(owner: Owner): Promise<boolean> {
  if (owner.start === undefined) {
    // An older agent's lock: the PID is all there is. Our own PID cannot be it (we write JSON).
    return owner.pid !== process.pid && alive(owner.pid);
  }
  const now = await ownerOf(owner.pid);
  if (now.start === undefined) return false; // no such process
  return now.boot === owner.boot && now.start === owner.start;
}

async function ownerOf(pid: number): Promise<Owner> {
  const [stat, boot] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined),
    readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined),
  ]);
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const start = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return { pid, ...(boot ? { boot: boot.trim() } : {}), ...(start ? { start } : {}) };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
