/**
 * The durable outbox: every event is on disk (fsync'd) with the agent's next
 * seq before the link may send it, and stays there until the collector acks
 * it. Seqs are never reused, across restarts too: the next seq is one past the
 * highest seq ever written, acked or dropped (state.json remembers the last two
 * when the segments are gone).
 *
 * Held events are exactly the seqs (head, lastSeq], head = max(acked, dropped).
 * Appends that arrive while a write is in flight are committed together, with
 * one fsync (group commit). Every mutation runs on one serial chain, so an ack
 * never deletes a segment under a write or a read.
 *
 * Memory stays small with a million held events: only the active segment's
 * lines and one older segment being read are kept.
 */
import { EventEmitter } from 'node:events';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentEvent, HiddenFlapEvent, WireEvent } from '@dcprobe/shared';
import {
  cutTail, fsyncPath, listSegments, readSegment, readState, removeFile, segmentName, seqOf, writeState,
} from './outbox-files.ts';

export type OutboxEvent = Omit<WireEvent, 'seq'> | Omit<HiddenFlapEvent, 'seq'>;

export interface OutboxOptions {
  dir: string;
  maxEvents: number;
  /** Fraction of maxEvents at which to warn. */
  warnAt: number;
  log: Logger;
  /** Events per segment file before a new one starts. */
  segmentEvents?: number;
  /** Called with how many unacked events were given up to respect maxEvents. */
  onDrop?: (count: number) => void;
}

/** A line longer than this loses its evidence: it must always fit in one frame. */
export const MAX_LINE_BYTES = 64 * 1024;

interface Segment { first: number; last: number; path: string }

export class Outbox extends EventEmitter<{ append: [number] }> {
  private acked = 0;
  private dropped = 0;
  private last = 0;
  private segments: Segment[] = [];
  private active: { seg: Segment; fh: FileHandle; lines: string[]; bytes: number } | undefined;
  private cache: { first: number; seqs: number[]; lines: string[] } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: { lines: OutboxEvent[]; resolve: (seq: number) => void; reject: (e: unknown) => void }[] = [];
  private commitQueued = false;
  private persistQueued = false;
  private warned = false;
  private lastDropLog = 0;
  private droppedTotal = 0;
  private fsyncs = 0;
  private closed = false;
  private readonly segmentEvents: number;

  private constructor(private readonly o: OutboxOptions) {
    super();
    this.segmentEvents = o.segmentEvents ?? 10_000;
  }

  static async open(o: OutboxOptions): Promise<Outbox> {
    const ob = new Outbox(o);
    await ob.recover();
    return ob;
  }

  /** Lowest seq still held; everything below it is acked or was given up. Equals nextSeq when empty. */
  get firstSeq(): number { return this.head + 1; }
  /** Highest durable seq. */
  get lastSeq(): number { return this.last; }
  get held(): number { return this.last - this.head; }
  get ackedSeq(): number { return this.acked; }
  get droppedCount(): number { return this.droppedTotal; }
  /** Data fsyncs so far: with group commit, fewer than append calls under load. */
  get commits(): number { return this.fsyncs; }
  get ratio(): number { return this.held / this.o.maxEvents; }
  private get head(): number { return Math.max(this.acked, this.dropped); }

  /**
   * Makes events durable and numbers them; resolves with the last seq given.
   * Concurrent calls share one write and one fsync.
   */
  append(events: readonly OutboxEvent[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('outbox closed'));
    if (events.length === 0) return Promise.resolve(this.last);
    return new Promise((resolve, reject) => {
      this.pending.push({ lines: [...events], resolve, reject });
      if (!this.commitQueued) {
        this.commitQueued = true;
        void this.serial(() => this.commit());
      }
    });
  }

  /** The collector committed everything up to `seq`. */
  ack(seq: number): Promise<void> {
    if (seq <= this.acked) return Promise.resolve();
    if (seq > this.last) {
      this.o.log.warn({ seq, lastSeq: this.last }, 'ack beyond the last seq written; ignored');
      return Promise.resolve();
    }
    this.acked = seq;
    this.cache = this.cache && this.cache.seqs.at(-1)! > this.head ? this.cache : undefined;
    return this.persistSoon();
  }

  /** Raw wire-event lines with seq in (afterSeq, lastSeq], at most maxEvents and maxBytes together. */
  read(afterSeq: number, maxEvents: number, maxBytes: number): Promise<string[]> {
    return this.serial(() => this.readNow(afterSeq, maxEvents, maxBytes));
  }

  /**
   * The collector already holds seqs beyond ours (the data dir was reset but
   * the agent id was not): renumber what we hold after `committedSeq`, or the
   * collector would discard our events as duplicates.
   */
  rebase(committedSeq: number): Promise<void> {
    return this.serial(async () => {
      if (committedSeq <= this.last) return;
      const held = await this.readNow(this.head, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const oldLast = this.last;
      await this.closeActive();
      this.last = committedSeq;
      this.acked = committedSeq;
      const events = held.map((l) => { const { seq: _s, ...e } = JSON.parse(l) as AgentEvent; return e; });
      if (events.length) await this.write(events);
      this.dropped = Math.max(this.dropped, oldLast);
      await this.persistNow();
      this.o.log.warn({ committedSeq, renumbered: events.length }, 'collector holds seqs beyond this agent\'s outbox (data dir reset?): renumbered held events after its committed seq');
      this.emit('append', this.last);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.serial(async () => {
      if (this.persistQueued) { this.persistQueued = false; await this.persistNow(); }
      await this.closeActive();
      // No longer active: the last segment goes too if every event in it is acked.
      await this.dropCovered();
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async recover(): Promise<void> {
    const { dir, log } = this.o;
    await mkdir(dir, { recursive: true });
    ({ acked: this.acked, dropped: this.dropped } = await readState(dir));
    const files = await listSegments(dir);
    const segs: Segment[] = [];
    for (const [i, f] of files.entries()) {
      const isLast = i === files.length - 1;
      const s = await readSegment(f.path, isLast);
      if (s.bad > 0 && isLast) {
        log.warn({ file: f.path, lines: s.bad }, 'outbox: cut a torn tail from the last segment (crash mid-write; those events were never sent)');
        await cutTail(f.path, s.goodBytes);
      } else if (s.bad > 0) {
        log.error({ file: f.path, lines: s.bad }, 'outbox: unreadable lines in a segment; those events are lost');
      }
      if (s.seqs.length === 0) { await removeFile(f.path); continue; }
      const seg = { first: s.seqs[0]!, last: s.seqs.at(-1)!, path: f.path };
      const prev = segs.at(-1);
      // A jump in seq means a rebase renumbered the older events into this segment.
      if (prev && seg.first > prev.last + 1) this.dropped = Math.max(this.dropped, seg.first - 1);
      segs.push(seg);
    }
    this.last = Math.max(this.head, segs.at(-1)?.last ?? 0);
    this.segments = segs;
    await this.dropCovered();
    if (this.held > 0) log.info({ held: this.held, firstSeq: this.firstSeq, lastSeq: this.last }, 'outbox: unacked events recovered');
  }

  private async commit(): Promise<void> {
    this.commitQueued = false;
    const batch = this.pending.splice(0);
    try {
      const ends: number[] = [];
      const events: OutboxEvent[] = [];
      for (const b of batch) { events.push(...b.lines); ends.push(this.last + events.length); }
      await this.write(events);
      batch.forEach((b, i) => b.resolve(ends[i]!));
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    await this.enforceBound();
    this.emit('append', this.last);
  }

  private async write(events: readonly OutboxEvent[]): Promise<void> {
    if (!this.active || this.active.lines.length >= this.segmentEvents) await this.roll();
    const a = this.active!;
    const lines = events.map((e, i) => serialize(this.last + 1 + i, e));
    const text = lines.join('\n') + '\n';
    try {
      await a.fh.write(text);
      await a.fh.datasync();
      this.fsyncs++;
    } catch (e) {
      // Disk full or I/O error: cut what may have been half-written, so the
      // same seqs can be written again cleanly by the next commit.
      await a.fh.truncate(a.bytes).catch((t: unknown) => this.o.log.error({ err: t }, 'outbox: cannot cut a failed write'));
      throw e;
    }
    a.bytes += Buffer.byteLength(text);
    this.last += lines.length;
    a.seg.last = this.last;
    a.lines.push(...lines);
  }

  private async roll(): Promise<void> {
    await this.closeActive();
    const seg = { first: this.last + 1, last: this.last, path: join(this.o.dir, segmentName(this.last + 1)) };
    const fh = await open(seg.path, 'a');
    await fsyncPath(this.o.dir);
    this.segments.push(seg);
    this.active = { seg, fh, lines: [], bytes: (await fh.stat()).size };
  }

  private async closeActive(): Promise<void> {
    if (!this.active) return;
    await this.active.fh.close();
    this.active = undefined;
  }

  private async enforceBound(): Promise<void> {
    const over = this.held - this.o.maxEvents;
    if (over > 0) {
      this.dropped = this.last - this.o.maxEvents;
      this.droppedTotal += over;
      this.o.onDrop?.(over);
      const now = Date.now();
      if (now - this.lastDropLog >= 60_000) {
        this.lastDropLog = now;
        this.o.log.error({ dropped: over, droppedTotal: this.droppedTotal, firstSeq: this.firstSeq, maxEvents: this.o.maxEvents },
          'outbox full: dropped the oldest unacked events; the collector will see the loss at the next hello');
      }
      await this.persistNow();
    }
    const r = this.ratio;
    if (!this.warned && r >= this.o.warnAt) {
      this.warned = true;
      this.o.log.warn({ held: this.held, maxEvents: this.o.maxEvents }, 'outbox filling up: collector unreachable or slow to ack');
    } else if (this.warned && r < this.o.warnAt) {
      this.warned = false;
      this.o.log.info({ held: this.held }, 'outbox back below its warning level');
    }
  }

  private persistSoon(): Promise<void> {
    if (this.persistQueued) return this.chain.then(() => undefined);
    this.persistQueued = true;
    return this.serial(async () => {
      if (!this.persistQueued) return;
      this.persistQueued = false;
      await this.persistNow();
    });
  }

  /** state.json first, then the segments it makes unnecessary: a crash in between only leaves extra files. */
  private async persistNow(): Promise<void> {
    await writeState(this.o.dir, { acked: this.acked, dropped: this.dropped });
    await this.dropCovered();
    if (this.warned && this.ratio < this.o.warnAt) {
      this.warned = false;
      this.o.log.info({ held: this.held }, 'outbox back below its warning level');
    }
  }

  /**
   * Deletes segments whose every event is acked, except the active one: deleting it would
   * make the next event pay a new file and a directory fsync before the link may send it,
   * which in a quiet agent is every event (a trap). It goes once full and no longer active;
   * recovery drops it if it is all acked then.
   */
  private async dropCovered(): Promise<void> {
    while (this.segments.length && this.segments[0]!.last <= this.head && this.segments[0] !== this.active?.seg) {
      const seg = this.segments.shift()!;
      if (this.cache?.first === seg.first) this.cache = undefined;
      await removeFile(seg.path);
    }
  }

  private async readNow(afterSeq: number, maxEvents: number, maxBytes: number): Promise<string[]> {
    const out: string[] = [];
    let bytes = 0;
    let s = Math.max(afterSeq, this.head) + 1;
    while (s <= this.last && out.length < maxEvents) {
      const seg = this.segments.find((g) => g.first <= s && s <= g.last);
      if (!seg) { s = this.segments.find((g) => g.first > s)?.first ?? this.last + 1; continue; }
      const src = await this.linesOf(seg);
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

  /** The active segment's lines are contiguous from seg.first (no seqs list); older ones come from disk. */
  private async linesOf(seg: Segment): Promise<{ seqs?: number[]; lines: string[] }> {
    if (this.active?.seg === seg) return { lines: this.active.lines };
    if (this.cache?.first !== seg.first) {
      const r = await readSegment(seg.path, false);
      this.cache = { first: seg.first, seqs: r.seqs, lines: r.lines };
    }
    return this.cache;
  }
}

function serialize(seq: number, e: OutboxEvent): string {
  const line = JSON.stringify({ seq, ...e }, jsonSafe);
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  return JSON.stringify({ seq, ...e, evidence: { truncated: true } });
}

/** Evidence may carry SNMP Counter64 values (bigint), which JSON cannot. */
function jsonSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export { seqOf };
