/**
 * The ingest core, transport-agnostic: validates event batches, commits them
 * with group commit (every frame that arrived in the same turn of the event
 * loop goes into one transaction, one fsync), then resolves each frame's ack.
 * Also owns the in-memory current state per subject and the agents' cursors.
 */
import { EventSchema, describeIssues, type WireEvent, type State, type SubjectKind } from '@dcprobe/shared';
import type { ObservationStore, CurrentState } from '../store/observations.ts';
import { SeqCursor } from './cursor.ts';
import type { SelfMetrics } from '../metrics.ts';

export interface BatchOutcome {
  accepted: number;
  duplicate: number;
  rejected: { seq: number | null; reason: string }[];
  /** Highest contiguous committed seq for the agent after this batch. */
  ack: number;
  /** A hole below later committed seqs, if any. */
  hole: { from: number; to: number } | null;
}

interface Pending {
  agentId: string;
  valid: WireEvent[];
  invalid: { seq: number | null; reason: string; raw: string }[];
  receivedAt: number;
  startedNs: bigint;
  resolve: (o: BatchOutcome) => void;
  reject: (e: unknown) => void;
}

export class Ledger {
  private readonly cursors = new Map<string, SeqCursor>();
  readonly current = new Map<string, CurrentState>();
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(readonly store: ObservationStore, private readonly metrics: SelfMetrics, private readonly now: () => number) {
    for (const a of store.agents()) {
      const c = new SeqCursor(a.committedSeq);
      for (const s of store.seqsAbove(a.id, a.committedSeq)) c.add(s);
      this.cursors.set(a.id, c);
    }
    for (const s of store.current()) this.current.set(s.subject, s);
  }

  cursor(agentId: string): SeqCursor {
    let c = this.cursors.get(agentId);
    if (!c) { c = new SeqCursor(0); this.cursors.set(agentId, c); }
    return c;
  }

  /** Splits a raw batch into valid events and rejects (kept verbatim with the reason). */
  static validate(batch: unknown[]): { valid: WireEvent[]; invalid: { seq: number | null; reason: string; raw: string }[] } {
    const valid: WireEvent[] = [];
    const invalid: { seq: number | null; reason: string; raw: string }[] = [];
    batch.forEach((e, i) => {
      const r = EventSchema.safeParse(e);
      if (r.success) valid.push(r.data);
      else {
        const seq = (e && typeof e === 'object' && Number.isSafeInteger((e as { seq?: unknown }).seq) && (e as { seq: number }).seq > 0) ? (e as { seq: number }).seq : null;
        invalid.push({ seq, reason: `batch[${i}]: ${describeIssues(r.error)}`, raw: JSON.stringify(e).slice(0, 10_000) });
      }
    });
    return { valid, invalid };
  }

  /** Queues a validated batch; resolves after the transaction holding it has committed. */
  submit(agentId: string, valid: WireEvent[], invalid: Pending['invalid'], startedNs = process.hrtime.bigint()): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ agentId, valid, invalid, receivedAt: this.now(), startedNs, resolve, reject });
      if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.flush()); }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    let outcomes: BatchOutcome[];
    try {
      outcomes = this.store.db.transaction(() => items.map((p) => this.apply(p)))();
    } catch (e) {
      // Nothing of this flush is committed, so nothing is acked: the agents resend.
      this.reloadCursors(items);
      for (const p of items) p.reject(e);
      return;
    }
    const end = process.hrtime.bigint();
    items.forEach((p, i) => {
      const o = outcomes[i]!;
      this.metrics.ingested.inc({ outcome: 'accepted' }, o.accepted);
      this.metrics.ingested.inc({ outcome: 'duplicate' }, o.duplicate);
      this.metrics.ingested.inc({ outcome: 'rejected' }, o.rejected.length);
      this.metrics.ingestSeconds.observe(Number(end - p.startedNs) / 1e9);
      p.resolve(o);
    });
  }

  private apply(p: Pending): BatchOutcome {
    const cur = this.cursor(p.agentId);
    let accepted = 0, duplicate = 0;
    const fresh: WireEvent[] = [];
    const inBatch = new Set<number>();
    for (const e of p.valid) {
      if (cur.has(e.seq) || inBatch.has(e.seq)) { duplicate++; continue; }
      inBatch.add(e.seq);
      fresh.push(e);
    }
    const rows = fresh.map((e) => ({ subject: e.subject, kind: e.kind, state: e.state, at: e.at, via: e.via, agentId: p.agentId, seq: e.seq, evidence: e.evidence }));
    const inserted = this.store.insertMany(rows, p.receivedAt);
    const touched: CurrentState[] = [];
    for (const e of fresh) {
      cur.add(e.seq);
      if (inserted.has(e.seq)) { accepted++; touched.push({ subject: e.subject, kind: e.kind, state: e.state, at: e.at, agentId: p.agentId }); } else duplicate++;
    }
    for (const r of p.invalid) {
      this.store.reject(p.agentId, r.seq, r.reason, r.raw, p.receivedAt);
      if (r.seq !== null) cur.add(r.seq);
    }
    this.store.saveCommitted(p.agentId, cur.committed, p.receivedAt);
    for (const s of touched) this.noteCurrent(s);
    return { accepted, duplicate, rejected: p.invalid.map(({ seq, reason }) => ({ seq, reason })), ack: cur.committed, hole: cur.hole() };
  }

  /** Records an observation the collector itself makes (agent gap, resync), in the caller's transaction. */
  record(subject: string, kind: SubjectKind, state: State, at: number, via: 'gap' | 'resync', agentId: string, evidence?: Record<string, unknown>): void {
    this.store.insert({ subject, kind, state, at, via, agentId, seq: null, evidence }, this.now());
    this.noteCurrent({ subject, kind, state, at, agentId });
  }

  private noteCurrent(s: CurrentState): void {
    const prev = this.current.get(s.subject);
    if (!prev || s.at >= prev.at) this.current.set(s.subject, s);
  }

  private reloadCursors(items: Pending[]): void {
    for (const id of new Set(items.map((p) => p.agentId))) {
      const row = this.store.agents().find((a) => a.id === id);
      const c = new SeqCursor(row?.committedSeq ?? 0);
      for (const s of this.store.seqsAbove(id, c.committed)) c.add(s);
      this.cursors.set(id, c);
    }
  }
}
