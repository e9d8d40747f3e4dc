/**
 * The outbox's segment files as one log: appending synced records to the
 * active segment, reading seq ranges back across segments, deleting segments
 * once acked. Seq accounting (acks, lost seqs, unsaved events) is the
 * outbox's; this only reports what it finds damaged when it reads.
 *
 * The active segment's lines are kept in memory (they are what the link sends
 * next); older segments are read from disk, checked again, one at a time.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { encodeLine, fsyncPath, quarantine, readSegment, removeFile, segmentName } from './outbox-files.ts';
import type { DataFile, OutboxIo } from './outbox-io.ts';
import { key } from './outbox-recover.ts';
import type { Segment } from './outbox-recover.ts';

interface Active { seg: Segment; file: DataFile; lines: string[]; bytes: number; damaged: boolean }
type Lost = (seqs: number[], records: number) => void;

export interface SegmentsOptions {
  dir: string;
  io: OutboxIo;
  log: Logger;
  now: () => number;
  /** Events per segment file before a new one starts. */
  segmentEvents: number;
}

export class Segments {
  /** Highest seq in a segment. */
  durable: number;
  /** fdatasyncs of segment data so far. */
  syncs = 0;
  private active: Active | undefined;
  private cache: { first: number; seqs: number[]; lines: string[] } | undefined;

  constructor(private readonly o: SegmentsOptions, private list: Segment[], private readonly knownBad: Set<string>) {
    this.durable = Math.max(0, ...list.map((g) => g.last));
  }

  /**
   * Appends lines [first …] and fdatasyncs them. On failure (disk full, I/O
   * error) what may have been half-written is cut off, so the same seqs can be
   * written again cleanly, and the error is thrown.
   */
  async write(first: number, lines: readonly string[]): Promise<void> {
    const a0 = this.active;
    // A segment holds consecutive seqs, so a jump (given-up unsaved events) starts a new one.
    if (!a0 || a0.damaged || a0.lines.length >= this.o.segmentEvents || first !== a0.seg.last + 1) await this.roll(first);
    const a = this.active!;
    const buf = Buffer.from(lines.map(encodeLine).join(''));
    try {
      await a.file.append(buf);
      await a.file.datasync();
      this.syncs++;
    } catch (e) {
      await a.file.truncate(a.bytes).catch((t: unknown) => {
        a.damaged = true; // the retry goes to a new segment; readers skip this one's torn tail
        this.o.log.error({ err: t }, 'outbox: cannot cut a failed write');
      });
      throw e;
    }
    a.bytes += buf.length;
    a.seg.last = first + lines.length - 1;
    a.lines.push(...lines);
    this.durable = a.seg.last;
  }

  /**
   * Raw lines with seq in (afterSeq, durable], at most maxEvents and maxBytes
   * together (always one at least). `lost` hears of records found damaged
   * since start-up (quarantined first): how many, and the seqs above `head`
   * that can no longer be read.
   */
  async read(afterSeq: number, head: number, maxEvents: number, maxBytes: number, lost: Lost): Promise<string[]> {
    const out: string[] = [];
    let bytes = 0;
    let s = afterSeq + 1;
    while (s <= this.durable && out.length < maxEvents) {
      const seg = this.list.find((g) => g.first <= s && s <= g.last);
      if (!seg) { s = this.list.find((g) => g.first > s)?.first ?? this.durable + 1; continue; }
      const src = await this.linesOf(seg, head, lost);
      let i = src.seqs ? src.seqs.indexOf(s) : s - seg.first;
      if (i < 0 && src.seqs) i = src.seqs.findIndex((q) => q > s);
      if (i < 0) { s = seg.last + 1; continue; }
      for (; i < src.lines.length && out.length < maxEvents; i++) {
        const line = src.lines[i]!;
        const size = Buffer.byteLength(line) + 1;
        if (out.length > 0 && bytes + size > maxBytes) return out;
        out.push(line);
        bytes += size;
      }
      s = seg.last + 1;
    }
    return out;
  }

  /** Forgets a cached segment that holds nothing above `head` any more. */
  acked(head: number): void {
    if (this.cache && this.cache.seqs.at(-1)! <= head) this.cache = undefined;
  }

  /**
   * Deletes segments whose every event is at or below `savedHead`, except the active one: deleting it would
   * make the next event pay a new file and a directory fsync before the link may send it,
   * which in a quiet agent is every event (a trap). It goes once full and no longer active;
   * recovery drops it if it is all acked then.
   */
  async dropCovered(savedHead: number): Promise<void> {
    while (this.list.length && this.list[0]!.last <= savedHead && this.list[0] !== this.active?.seg) {
      const seg = this.list.shift()!;
      if (this.cache?.first === seg.first) this.cache = undefined;
      await removeFile(seg.path);
    }
  }

  async closeActive(): Promise<void> {
    if (!this.active) return;
    const a = this.active;
    this.active = undefined;
    if (a.seg.last < a.seg.first) this.list = this.list.filter((g) => g !== a.seg); // nothing written
    await a.file.close();
  }

  private async roll(first: number): Promise<void> {
    await this.closeActive();
    const seg = { first, last: first - 1, path: join(this.o.dir, segmentName(first)) };
    const file = await this.o.io.openFile(seg.path, 'append');
    try {
      await fsyncPath(this.o.dir);
      this.active = { seg, file, lines: [], bytes: await file.size(), damaged: false };
    } catch (e) {
      await file.close();
      throw e;
    }
    this.list.push(seg);
  }

  /** The active segment's lines are contiguous from seg.first (no seqs list); older ones come from disk, checked again. */
  private async linesOf(seg: Segment, head: number, lost: Lost): Promise<{ seqs?: number[]; lines: string[] }> {
    if (this.active?.seg === seg) return { lines: this.active.lines };
    if (this.cache?.first !== seg.first) {
      const r = await readSegment(seg.path, seg.first);
      const fresh = r.bad.filter((b) => !this.knownBad.has(key(seg.path, b.offset)));
      if (fresh.length) {
        // Good at start-up, not now: quarantined, logged once, and the seqs no longer read are lost.
        for (const b of fresh) this.knownBad.add(key(seg.path, b.offset));
        await quarantine(this.o.dir, seg.path, fresh, this.o.now()).catch((e: unknown) => this.o.log.error({ err: e }, 'outbox: cannot write the quarantine file'));
        const have = new Set(r.seqs);
        const gone: number[] = [];
        for (let q = Math.max(seg.first, head + 1); q <= seg.last; q++) if (!have.has(q)) gone.push(q);
        this.o.log.error({ file: seg.path, records: fresh.length, lost: gone.length, reasons: [...new Set(fresh.map((b) => b.reason))] },
          'outbox: records damaged on disk since start-up, copied to quarantine; their seqs are reported lost');
        lost(gone, fresh.length);
      }
      this.cache = { first: seg.first, seqs: r.seqs, lines: r.lines };
    }
    return this.cache;
  }
}
