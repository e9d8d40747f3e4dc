/**
 * Opening an outbox: state.json, the high-water mark and every segment that
 * still holds unacked events, each record checked. Damage costs the damaged
 * records only: they are copied to quarantine.jsonl (once: the quarantine file
 * remembers what it holds) and their seqs, with any cut off a truncated
 * segment or numbered and never saved, become lost seqs that the collector is
 * told about. The next seq is never below the high-water mark.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import {
  QUARANTINE_FILE, cutTail, listSegments, makeDir, quarantine, readSegment, readState, removeFile,
} from './outbox-files.ts';
import type { BadRecord } from './outbox-files.ts';
import { HighWater, readHwm } from './outbox-hwm.ts';
import type { OutboxIo } from './outbox-io.ts';
import { LostSeqs } from './outbox-lost.ts';

export interface Segment { first: number; last: number; path: string }

export interface Recovered {
  acked: number;
  dropped: number;
  /** Highest seq ever given. */
  given: number;
  /** Highest seq in a segment. */
  durable: number;
  segments: Segment[];
  lost: LostSeqs;
  hwm: HighWater;
  /** `<segment file>:<offset>` of every record in quarantine. */
  knownBad: Set<string>;
  quarantined: number;
  stateDamaged: boolean;
}

export async function recoverOutbox(dir: string, io: OutboxIo, log: Logger, now: number): Promise<Recovered> {
  await makeDir(dir);
  const state = await readState(dir);
  if (state.damaged) log.error({ file: join(dir, 'state.json') }, 'outbox: state.json unreadable; every held event will be sent again (the collector keeps one copy of each)');
  const head = Math.max(state.acked, state.dropped);
  const knownBad = await quarantinedKeys(dir);
  const files = await listSegments(dir);
  const segments: Segment[] = [];
  const lost = new LostSeqs();
  let next = head + 1; // lowest seq not yet accounted for
  let quarantined = 0;
  for (const [i, f] of files.entries()) {
    const isLast = i === files.length - 1;
    // A segment whose successor starts at or below the head holds only acked events: no need to read it.
    if (!isLast && files[i + 1]!.first - 1 <= head) { await removeFile(f.path); continue; }
    const s = await readSegment(f.path, f.first);
    const fresh = s.bad.filter((b) => !knownBad.has(key(f.path, b.offset)) && !blank(b));
    if (fresh.length) {
      await quarantine(dir, f.path, fresh, now).catch((e: unknown) => log.error({ err: e }, 'outbox: cannot write the quarantine file'));
      for (const b of fresh) knownBad.add(key(f.path, b.offset));
      quarantined += fresh.length;
      log.error({ file: f.path, records: fresh.length, seqs: fresh.map((b) => b.seq ?? null).slice(0, 20), reasons: [...new Set(fresh.map((b) => b.reason))] },
        `outbox: unreadable records copied to ${QUARANTINE_FILE}; the records around them are kept`);
    }
    // The last segment may end in a write cut short by a crash: cut it, so nothing reads it again.
    if (isLast && s.bad.some((b) => b.offset >= s.goodBytes)) await cutTail(f.path, s.goodBytes);
    if (s.seqs.length === 0) { await removeFile(f.path); continue; }
    for (const q of s.seqs) {
      if (q > next) lost.add(next, q - 1);
      next = Math.max(next, q + 1);
    }
    segments.push({ first: s.seqs[0]!, last: s.seqs.at(-1)!, path: f.path });
  }
  const durable = Math.max(0, ...segments.map((g) => g.last));
  const onDisk = await readHwm(dir);
  const given = Math.max(onDisk ?? 0, durable, head);
  if (next <= given) lost.add(next, given);
  const hwm = await HighWater.open(dir, io, given);
  await hwm.save(given);
  return { acked: state.acked, dropped: state.dropped, given, durable, segments, lost, hwm, knownBad, quarantined, stateDamaged: state.damaged === true };
}

export function key(path: string, offset: number): string {
  return `${basename(path)}:${offset}`;
}

/** A zero-filled or empty tail (a power cut after the size grew) holds nothing worth keeping. */
function blank(b: BadRecord): boolean {
  return b.bytes.every((c) => c === 0 || c === 10 || c === 32);
}

async function quarantinedKeys(dir: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const text = await readFile(join(dir, QUARANTINE_FILE), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { file?: unknown; offset?: unknown };
      if (typeof r.file === 'string' && typeof r.offset === 'number') keys.add(`${r.file}:${r.offset}`);
    } catch { /* a torn last line */ }
  }
  return keys;
}
