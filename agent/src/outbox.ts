/**
 * The durable outbox: every event is on disk (fdatasync'd) with the agent's
 * next seq before the link may send it, and stays there until the collector
 * acks it. Seqs are never reused, across restarts and damage too: the
 * high-water mark (outbox-hwm.ts) keeps the highest seq ever given.
 *
 * Held events are the seqs (head, lastSeq], head = max(acked, dropped). Among
 * them, some may be lost (outbox-lost.ts: damaged, cut off, never saved); the
 * head moves over those once everything before them is acked, and the next
 * hello's firstSeq tells the collector, which records the gap.
 *
 * When the disk refuses a write (full, I/O error), the events keep their seqs
 * and wait in memory, unsaved, never sent; the write is retried with backoff,
 * with a metric and a rate-limited log saying so. The seqs are in the
 * high-water mark (written in place, which a full disk still allows), so if
 * the agent dies first the collector learns they are lost.
 *
 * Appends that arrive while a write is in flight are committed together, with
 * one fdatasync (group commit). Every mutation runs on one serial chain, so an
 * ack never deletes a segment under a write or a read.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DcprobeError, E, EVIDENCE_BOUNDS, MAX_EVENT_BYTES, withinJsonBounds } from '@dcprobe/shared';
import type { AgentEvent, HiddenFlapEvent, WireEvent } from '@dcprobe/shared';
import { seqOf, writeState } from './outbox-files.ts';
import type { HighWater } from './outbox-hwm.ts';
import { realIo } from './outbox-io.ts';
import type { OutboxIo } from './outbox-io.ts';
import type { LostSeqs } from './outbox-lost.ts';
import { recoverOutbox } from './outbox-recover.ts';
import { Segments } from './outbox-segments.ts';
import { Episode } from './outbox-episode.ts';

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
  /** Called at each failed write of events (disk full, I/O error). */
  onWriteFailure?: () => void;
  /** Called with how many unreadable records were moved to quarantine. */
  onQuarantine?: (count: number) => void;
  /** Called with how many seqs were found lost (damaged, cut off, never saved). */
  onLost?: (count: number) => void;
  /** The file operations; tests wrap the real ones to count syncs. */
  io?: OutboxIo;
  now?: () => number;
}

export class Outbox extends EventEmitter<{ append: [number] }> {
  private acked = 0;
  private dropped = 0;
  /** The head as last written to state.json: segments are deleted only below it. */
  private savedHead = 0;
  private given = 0;
  private segs!: Segments;
  private unsaved: { first: number; lines: string[] } | undefined;
  private lost!: LostSeqs;
  private hwm!: HighWater;
  private lossToReport = false;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: { events: OutboxEvent[]; resolve: (seq: number) => void; reject: (e: unknown) => void }[] = [];
  private commitQueued = false;
  private persistQueued = false;
  private warned = false;
  private lastDropLog = 0;
  private droppedTotal = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly writes: Episode;
  private readonly marks: Episode;
  private readonly states: Episode;
  private readonly segmentEvents: number;
  private readonly io: OutboxIo;
  private readonly now: () => number;

  private constructor(private readonly o: OutboxOptions) {
    super();
    this.segmentEvents = o.segmentEvents ?? 10_000;
    this.io = o.io ?? realIo;
    this.now = o.now ?? Date.now;
    this.writes = new Episode(o.log, this.now);
    this.marks = new Episode(o.log, this.now);
    this.states = new Episode(o.log, this.now);
  }

  static async open(o: OutboxOptions): Promise<Outbox> {
    const ob = new Outbox(o);
    await ob.recover();
    return ob;
  }

  /** Lowest seq still held; everything below it is acked or was given up. Equals nextSeq when empty. */
  get firstSeq(): number { return this.head + 1; }
  /** Highest seq given to an event (durable, unsaved or lost). */
  get lastSeq(): number { return this.given; }
  get held(): number { return this.given - this.head; }
  get ackedSeq(): number { return this.acked; }
  get droppedCount(): number { return this.droppedTotal; }
  /** Events numbered but not on disk yet (the disk refused them); never sent until they are. */
  get unsavedCount(): number { return this.unsaved?.lines.length ?? 0; }
  /** Data fdatasyncs so far: with group commit, fewer than append calls under load. */
  get commits(): number { return this.segs.syncs; }
  get ratio(): number { return this.held / this.o.maxEvents; }
  /** Whether firstSeq moved over seqs that were never acked since the last hello: the collector must hear it. */
  get lossUnreported(): boolean { return this.lossToReport; }
  private get head(): number { return Math.max(this.acked, this.dropped); }

  /** firstSeq for a hello, which tells the collector about every loss so far. */
  helloFirstSeq(): number {
    this.lossToReport = false;
    return this.firstSeq;
  }

  /**
   * Makes events durable and numbers them; resolves with the last seq given.
   * Concurrent calls share one write and one fdatasync. If the disk refuses
   * the write, rejects with E.OUTBOX_UNSAVED: the events are numbered and kept
   * in memory, and the outbox writes them when the disk takes them (do not
   * append them again).
   */
  append(events: readonly OutboxEvent[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('outbox closed'));
    if (events.length === 0) return Promise.resolve(this.given);
    return new Promise((resolve, reject) => {
      this.pending.push({ events: [...events], resolve, reject });
      if (!this.commitQueued) {
        this.commitQueued = true;
        void this.serial(() => this.commit());
      }
    });
  }

  /** The collector committed everything up to `seq`. */
  ack(seq: number): Promise<void> {
    if (seq <= this.acked) return Promise.resolve();
    if (seq > this.given) {
      this.o.log.warn({ seq, lastSeq: this.given }, 'ack beyond the last seq given; ignored');
      return Promise.resolve();
    }
    this.acked = seq;
    this.moveHead();
    this.segs.acked(this.head);
    return this.persistSoon();
  }

  /** Raw wire-event lines with seq in (afterSeq, lastSeq], at most maxEvents and maxBytes together; durable events only. */
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
      if (committedSeq <= this.given) return;
      const held = await this.readNow(this.head, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const events = [...held, ...(this.unsaved?.lines ?? [])].map((l) => { const { seq: _s, ...e } = JSON.parse(l) as AgentEvent; return e; });
      const oldGiven = this.given;
      await this.segs.closeActive();
      this.stopRetry();
      this.unsaved = undefined;
      this.lost.clear();
      this.lossToReport = false;
      this.given = committedSeq;
      this.acked = committedSeq;
      this.dropped = Math.max(this.dropped, oldGiven);
      if (events.length) {
        const { first, lines } = this.number(events);
        await this.writeDurable(first, lines).catch((e: unknown) => this.keepUnsaved(first, lines, e));
      }
      await this.persistNow();
      this.o.log.warn({ committedSeq, renumbered: events.length }, 'collector holds seqs beyond this agent\'s outbox (data dir reset?): renumbered held events after its committed seq');
      this.emit('append', this.segs.durable);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRetry();
    await this.serial(async () => {
      if (this.unsaved) await this.retryUnsaved();
      if (this.unsaved) {
        this.o.log.error({ unsaved: this.unsaved.lines.length, seqs: [this.unsaved.first, this.given] },
          'outbox: stopping with events the disk never took; the collector is told they are lost at the next start');
      }
      if (this.persistQueued) { this.persistQueued = false; await this.persistNow(); }
      await this.segs.closeActive();
      // No longer active: the last segment goes too if every event in it is acked.
      await this.segs.dropCovered(this.savedHead);
      await this.hwm.close();
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async recover(): Promise<void> {
    const r = await recoverOutbox(this.o.dir, this.io, this.o.log, this.now());
    ({ acked: this.acked, dropped: this.dropped, given: this.given, lost: this.lost, hwm: this.hwm } = r);
    this.segs = new Segments({ dir: this.o.dir, io: this.io, log: this.o.log, now: this.now, segmentEvents: this.segmentEvents }, r.segments, r.knownBad);
    this.savedHead = this.head;
    if (r.quarantined) this.o.onQuarantine?.(r.quarantined);
    const lost = this.lost.count;
    if (lost) {
      this.o.onLost?.(lost);
      this.o.log.error({ lost, ranges: this.lost.list.slice(0, 20) },
        'outbox: events lost (damaged records, a cut-off segment, or numbered and never saved before a stop); the collector is told once everything before them is acked');
    }
    this.moveHead();
    if (this.head !== this.savedHead || r.stateDamaged) await this.persistNow();
    await this.segs.dropCovered(this.savedHead);
    if (this.held > 0) this.o.log.info({ held: this.held, firstSeq: this.firstSeq, lastSeq: this.given }, 'outbox: unacked events recovered');
  }

  /** Moves the head over lost seqs right above it: they will never be acked, and the next hello reports them. */
  private moveHead(): void {
    const h = this.lost.advance(this.head);
    if (h > this.head) {
      this.dropped = h;
      this.lossToReport = true;
    }
    if (this.unsaved && this.unsaved.first <= this.head) this.dropUnsavedThrough(this.head);
  }

  private number(events: readonly OutboxEvent[]): { first: number; lines: string[] } {
    const first = this.given + 1;
    const lines = events.map((e, i) => serialize(first + i, e));
    this.given += lines.length;
    return { first, lines };
  }

  private async commit(): Promise<void> {
    this.commitQueued = false;
    const batch = this.pending.splice(0);
    const events = batch.flatMap((b) => b.events);
    const { first, lines } = this.number(events);
    let failure: unknown;
    if (this.unsaved) {
      // The disk refused the last write: these wait behind the others, in order, numbered.
      this.unsaved.lines.push(...lines);
      await this.hwm.save(this.given).catch((e: unknown) => this.marks.fail(e, 'outbox: cannot update the high-water mark'));
      failure = this.writes.lastError ?? new Error('events ahead of these are not saved yet');
    } else {
      try {
        await this.writeDurable(first, lines);
      } catch (e) {
        this.keepUnsaved(first, lines, e);
        failure = e;
      }
    }
    let end = first - 1;
    for (const b of batch) {
      end += b.events.length;
      if (failure === undefined) b.resolve(end);
      else b.reject(new DcprobeError(E.OUTBOX_UNSAVED, 'the outbox cannot write: events numbered and held in memory, written when the disk takes them', { cause: failure }));
    }
    await this.enforceBound();
    if (failure === undefined) this.emit('append', this.segs.durable);
  }

  /** Writes lines [first …] to the segments and syncs them, the high-water mark alongside (in parallel). */
  private async writeDurable(first: number, lines: readonly string[]): Promise<void> {
    const mark = this.hwm.save(Math.max(this.given, first + lines.length - 1)).then(() => undefined, (e: unknown) => e);
    try {
      await this.segs.write(first, lines);
    } finally {
      const e = await mark;
      if (e !== undefined) this.marks.fail(e, 'outbox: cannot update the high-water mark');
      else this.marks.ok();
    }
  }

  private keepUnsaved(first: number, lines: readonly string[], e: unknown): void {
    this.unsaved = { first, lines: [...lines] };
    this.o.onWriteFailure?.();
    this.writes.fail(e, 'outbox write failed (disk full?): events are numbered and held in memory, not sent, and written when the disk takes them; they are lost if the agent stops first', { unsaved: this.unsavedCount });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.serial(async () => {
        await this.retryUnsaved();
        if (this.unsaved) this.scheduleRetry();
      });
    }, this.writes.backoffMs());
    this.retryTimer.unref();
  }

  private stopRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async retryUnsaved(): Promise<void> {
    const u = this.unsaved;
    if (!u) return;
    try {
      await this.writeDurable(u.first, u.lines);
    } catch (e) {
      this.o.onWriteFailure?.();
      this.writes.fail(e, 'outbox still cannot write', { unsaved: u.lines.length });
      return;
    }
    this.unsaved = undefined;
    this.writes.ok('outbox writable again; held-back events saved', { saved: u.lines.length });
    if (this.states.lastError !== undefined) await this.persistNow();
    this.emit('append', this.segs.durable);
  }

  private dropUnsavedThrough(seq: number): void {
    const u = this.unsaved!;
    const n = Math.min(u.lines.length, seq - u.first + 1);
    u.lines.splice(0, n);
    u.first += n;
    if (u.lines.length === 0) { this.unsaved = undefined; this.stopRetry(); }
  }

  private async enforceBound(): Promise<void> {
    const over = this.held - this.o.maxEvents;
    if (over > 0) {
      this.dropped = this.given - this.o.maxEvents;
      this.droppedTotal += over;
      this.lossToReport = true;
      this.o.onDrop?.(over);
      this.moveHead();
      const now = this.now();
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

  /**
   * state.json first, then the segments it makes unnecessary: a crash in
   * between only leaves extra files. If state.json cannot be written (disk
   * full), acks stay in memory and no segment goes; the next ack tries again.
   */
  private async persistNow(): Promise<void> {
    const head = this.head;
    try {
      await writeState(this.o.dir, { acked: this.acked, dropped: this.dropped });
      this.savedHead = head;
      this.states.ok();
    } catch (e) {
      this.states.fail(e, 'outbox: cannot save acks (state.json); acked events stay on disk until it can');
      return;
    }
    await this.segs.dropCovered(this.savedHead);
    if (this.warned && this.ratio < this.o.warnAt) {
      this.warned = false;
      this.o.log.info({ held: this.held }, 'outbox back below its warning level');
    }
  }

  private readNow(afterSeq: number, maxEvents: number, maxBytes: number): Promise<string[]> {
    return this.segs.read(Math.max(afterSeq, this.head), this.head, maxEvents, maxBytes, (gone, records) => this.foundLost(gone, records));
  }

  /** Records found damaged after start-up: quarantined (by Segments), their seqs lost, counted and reported like the others. */
  private foundLost(seqs: readonly number[], records: number): void {
    const fresh = seqs.filter((q) => q > this.head && !this.lost.has(q));
    for (const q of fresh) this.lost.add(q, q);
    this.o.onQuarantine?.(records);
    if (fresh.length) this.o.onLost?.(fresh.length);
    this.moveHead();
  }
}

/** The evidence goes (`{"truncated":true}`) if it is beyond EVIDENCE_BOUNDS or makes the line too long: the event itself always fits. */
function serialize(seq: number, e: OutboxEvent): string {
  // Checked before stringify, which would recurse through any depth (or a cycle) and throw.
  const fits = e.evidence === undefined || withinJsonBounds(e.evidence, EVIDENCE_BOUNDS);
  const line = fits ? JSON.stringify({ seq, ...e }, jsonSafe) : '';
  if (fits && Buffer.byteLength(line) <= MAX_EVENT_BYTES) return line;
  return JSON.stringify({ seq, ...e, evidence: { truncated: true } });
}

/** Evidence may carry SNMP Counter64 values (bigint), which JSON cannot. */
function jsonSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export { seqOf };
