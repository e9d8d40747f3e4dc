/**
 * The outbox's on-disk layout, apart from its logic: segment files of JSON
 * lines (`seg-<first seq, 16 digits>.jsonl`, one wire event per line, `seq`
 * first) and a small `state.json` replaced atomically (write, fsync, rename,
 * fsync the directory) so it is always either the old or the new version.
 */
import { open, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_FILE = 'state.json';
const SEG_RE = /^seg-(\d{16})\.jsonl$/;
const SEQ_RE = /^\{"seq":(\d+),/;

export interface DiskState {
  /** Highest seq the collector acknowledged. */
  acked: number;
  /** Highest seq given up without an ack (bound overflow, rebase). */
  dropped: number;
}

export interface SegmentLines {
  seqs: number[];
  lines: string[];
  /** Lines that did not parse; only the torn tail of the last segment is expected. */
  bad: number;
  /** Byte length of the good prefix, to cut a torn tail off. */
  goodBytes: number;
}

export function segmentName(first: number): string {
  return `seg-${String(first).padStart(16, '0')}.jsonl`;
}

/** Segment files in seq order, with the first seq each name carries. */
export async function listSegments(dir: string): Promise<{ first: number; path: string }[]> {
  const names = await readdir(dir);
  return names.flatMap((n) => {
    const m = SEG_RE.exec(n);
    return m ? [{ first: Number(m[1]), path: join(dir, n) }] : [];
  }).sort((a, b) => a.first - b.first);
}

export function seqOf(line: string): number | undefined {
  const m = SEQ_RE.exec(line);
  return m ? Number(m[1]) : undefined;
}

/**
 * Reads a segment. A line counts only if it is complete (ends in a newline)
 * and parses as JSON with a leading seq; a crash mid-write leaves at most a
 * torn or zero-filled tail, which `goodBytes` lets the caller cut off.
 */
export async function readSegment(path: string, verify: boolean): Promise<SegmentLines> {
  const buf = await readFile(path);
  const out: SegmentLines = { seqs: [], lines: [], bad: 0, goodBytes: 0 };
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; start = nl + 1, nl = buf.indexOf(10, start)) {
    const line = buf.toString('utf8', start, nl);
    const seq = seqOf(line);
    if (seq === undefined || (verify && !parses(line))) { out.bad++; continue; }
    out.seqs.push(seq);
    out.lines.push(line);
    out.goodBytes = nl + 1;
  }
  if (start < buf.length) out.bad++;
  return out;
}

function parses(line: string): boolean {
  try { JSON.parse(line); return true; } catch { return false; }
}

export async function cutTail(path: string, bytes: number): Promise<void> {
  await truncate(path, bytes);
  await fsyncPath(path);
}

export async function readState(dir: string): Promise<DiskState> {
  try {
    const s = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as Partial<DiskState>;
    return { acked: nonNeg(s.acked), dropped: nonNeg(s.dropped) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { acked: 0, dropped: 0 };
    throw e;
  }
}

function nonNeg(n: unknown): number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}

export async function writeState(dir: string, s: DiskState): Promise<void> {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(s));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, STATE_FILE));
  await fsyncPath(dir);
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** fsync a file or a directory (a new or renamed entry is durable only once its directory is). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
