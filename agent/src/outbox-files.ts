/**
 * The outbox's on-disk layout, apart from its logic:
 *
 *   seg-<first seq, 16 digits>.jsonl  one wire event per line, `seq` first, seqs
 *                                     consecutive within a file: `<json>\t<crc32
 *                                     of the json, 8 hex>\n`. Lines without the
 *                                     checksum (written before it existed) are
 *                                     still read, and checked by parsing them.
 *   state.json                        acked and dropped seqs, replaced atomically
 *                                     (write, fsync, rename, fsync the directory).
 *   hwm                               the highest seq ever given (outbox-hwm.ts).
 *   quarantine.jsonl                  a copy of every record that could not be
 *                                     read, with where it was and why.
 *
 * Every file is created 0600, the directory 0700: events name customers' ports.
 */
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { MAX_EVENT_BYTES, MAX_FRAME_DEPTH, checkJsonBounds } from '@dcprobe/shared';

export const STATE_FILE = 'state.json';
export const QUARANTINE_FILE = 'quarantine.jsonl';
const SEG_RE = /^seg-(\d{16})\.jsonl$/;
const SEQ_RE = /^\{"seq":(\d+),/;
/** `\t` + 8 hex digits. */
const CRC_SUFFIX = 9;
/** Bytes of one bad record kept in quarantine; a record with no newline for megabytes is cut. */
const QUARANTINE_RECORD_BYTES = 64 * 1024;
/** Past this size the quarantine file keeps where and why, not the bytes, so damage cannot fill the disk. */
const QUARANTINE_MAX_BYTES = 16 * 1024 * 1024;

export interface DiskState {
  /** Highest seq the collector acknowledged. */
  acked: number;
  /** Highest seq given up without an ack (bound overflow, rebase, records found lost). */
  dropped: number;
}

/** A record that did not read back as written. */
export interface BadRecord {
  offset: number;
  length: number;
  /** The seq its prefix claims, when it has one (it may be the damaged part). */
  seq?: number;
  reason: string;
  bytes: Buffer;
}

export interface SegmentLines {
  seqs: number[];
  /** Wire JSON, without the checksum. */
  lines: string[];
  bad: BadRecord[];
  /** Byte length up to the end of the last good record. */
  goodBytes: number;
}

export function segmentName(first: number): string {
  return `seg-${String(first).padStart(16, '0')}.jsonl`;
}

export async function makeDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Outboxes written before modes were set are tightened too: the directory is the agent's alone.
  await chmod(dir, 0o700);
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

/** One record as written: the wire JSON, its checksum, a newline. */
export function encodeLine(json: string): string {
  return `${json}\t${crc32(json).toString(16).padStart(8, '0')}\n`;
}

/**
 * Reads a segment whose first seq is `first` (from its name). A record counts
 * only if it is complete (ends in a newline), its checksum matches (or, for a
 * record without one, it parses as JSON within the frame bounds) and its seq
 * follows the previous one. Everything else is returned as `bad`, so one
 * damaged record costs that record and nothing around it.
 */
export async function readSegment(path: string, first: number): Promise<SegmentLines> {
  const buf = await readFile(path);
  const out: SegmentLines = { seqs: [], lines: [], bad: [], goodBytes: 0 };
  let prev = first - 1;
  let badSince = 0;
  let start = 0;
  const bad = (end: number, reason: string, seq?: number) => {
    out.bad.push({ offset: start, length: end - start, reason, bytes: buf.subarray(start, Math.min(end, start + QUARANTINE_RECORD_BYTES)), ...(seq !== undefined ? { seq } : {}) });
    badSince++;
  };
  for (let nl = buf.indexOf(10, start); nl !== -1; start = nl + 1, nl = buf.indexOf(10, start)) {
    const r = decodeLine(buf, start, nl);
    if ('reason' in r) { bad(nl + 1, r.reason, r.seq); continue; }
    if (r.seq <= prev) {
      // The same record twice (a failed write retried) is harmless: keep the first.
      if (out.seqs.includes(r.seq)) continue;
      bad(nl + 1, 'seq out of order', r.seq);
      continue;
    }
    // Without a checksum a damaged digit can still parse: a seq may only skip the records found bad before it.
    if (!r.checked && r.seq > prev + 1 + 2 * badSince) { bad(nl + 1, 'seq out of order', r.seq); continue; }
    out.seqs.push(r.seq);
    out.lines.push(r.line);
    out.goodBytes = nl + 1;
    prev = r.seq;
    badSince = 0;
  }
  if (start < buf.length) bad(buf.length, 'incomplete (no newline)', seqOf(buf.toString('utf8', start, Math.min(buf.length, start + 40))));
  return out;
}

function decodeLine(buf: Buffer, start: number, end: number): { line: string; seq: number; checked: boolean } | { reason: string; seq?: number } {
  if (end - start > CRC_SUFFIX && buf[end - CRC_SUFFIX] === 0x09) {
    const json = buf.subarray(start, end - CRC_SUFFIX);
    const hex = buf.toString('latin1', end - CRC_SUFFIX + 1, end);
    const line = json.toString('utf8');
    const seq = seqOf(line);
    if (!/^[0-9a-f]{8}$/.test(hex) || crc32(json) !== parseInt(hex, 16)) return { reason: 'checksum mismatch', ...(seq !== undefined ? { seq } : {}) };
    return seq === undefined ? { reason: 'no seq' } : { line, seq, checked: true };
  }
  const line = buf.toString('utf8', start, end);
  const seq = seqOf(line);
  if (seq === undefined) return { reason: 'no seq' };
  // A record sits two levels down in a frame (frame → batch → event).
  const over = checkJsonBounds(line, MAX_FRAME_DEPTH - 2, MAX_EVENT_BYTES);
  if (over) return { reason: `record ${over}`, seq };
  try { JSON.parse(line); } catch { return { reason: 'not JSON', seq }; }
  return { line, seq, checked: false };
}

/**
 * Appends a copy of each bad record to quarantine.jsonl (fsync'd): where it
 * was, why it was refused, and its bytes (base64). Best effort: the caller
 * logs a failure and goes on; the record is still in its segment.
 */
export async function quarantine(dir: string, segment: string, records: readonly BadRecord[], now: number): Promise<void> {
  const path = join(dir, QUARANTINE_FILE);
  const size = await stat(path).then((s) => s.size, () => 0);
  const keepBytes = size < QUARANTINE_MAX_BYTES;
  const text = records.map((r) => `${JSON.stringify({
    at: new Date(now).toISOString(), file: basename(segment), offset: r.offset, length: r.length, seq: r.seq ?? null, reason: r.reason,
    ...(keepBytes ? { bytes: r.bytes.toString('base64'), ...(r.bytes.length < r.length ? { cut: true } : {}) } : {}),
  })}\n`).join('');
  const fh = await open(path, 'a', 0o600);
  try {
    await fh.writeFile(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export async function cutTail(path: string, bytes: number): Promise<void> {
  await truncate(path, bytes);
  await fsyncPath(path);
}

/**
 * state.json, or zeros when it is missing or unreadable (`damaged`): then
 * every held event is sent again, and the collector, which keeps one copy of
 * each seq, decides what it already has.
 */
export async function readState(dir: string): Promise<DiskState & { damaged?: true }> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { acked: 0, dropped: 0 };
    throw e;
  }
  try {
    const s = JSON.parse(text) as Partial<DiskState>;
    return { acked: nonNeg(s.acked), dropped: nonNeg(s.dropped) };
  } catch {
    return { acked: 0, dropped: 0, damaged: true };
  }
}

function nonNeg(n: unknown): number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}

export async function writeState(dir: string, s: DiskState): Promise<void> {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
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
