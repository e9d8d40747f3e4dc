/**
 * The ingest queue, transport-agnostic: validates event batches, commits them
 * with group commit (every frame that arrived while the previous commit was
 * running goes into the next transaction, one fsync), then resolves each
 * frame's ack. The commit itself is the store's (`IngestStore.commit`; for
 * SQLite, the ingest journal on a thread of its own); this side owns
 * the agents' ack cursors and the current state per subject, and changes
 * them only once a commit has succeeded. The cursors are exact (one commit in
 * flight, prepared against them), so they alone decide what is a duplicate.
 */
import { EventSchema, HiddenFlapEventSchema, describeIssues, isHiddenFlapEventFast, isWireEventFast, type AgentEvent } from '@dcprobe/shared';
import type { CommitItem, CurrentState, IngestStore } from '../store/types.ts';
import type { SelfMetrics } from '../metrics.ts';
import { SubjectsTakenError } from '../store/taken.ts';
import { SeqCursor } from './cursor.ts';
import { Admission, type Refusal } from './admission.ts';

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
  valid: AgentEvent[];
  invalid: { seq: number | null; reason: string; raw: string; refusal?: Refusal }[];
  receivedAt: number;
  startedNs: bigint;
  /** The events frame as received (strict schema: type, v, batch), journalled as it is when all of it is new. */
  frame: string | undefined;
  resolve: (o: BatchOutcome) => void;
  reject: (e: unknown) => void;
}

/** A pending batch as committed: its new events (not already in the cursor), duplicates, and rejects with the admission's refusals. */
interface Prepared { p: Pending; fresh: AgentEvent[]; duplicate: number; invalid: Pending['invalid'] }

const REASONS: Record<Refusal, string> = {
  foreign_subject: 'subject belongs to another agent',
  future: 'at is later than receipt plus the allowed clock skew',
  too_old: 'at is before the history horizon',
  subject_cap: "agent's subject limit reached",
  seq_conflict: 'seq sent again with other content',
};

/** A valid event the admission refused, as a rejected event: kept verbatim with the reason. */
function refusal(e: AgentEvent, seq: number | null, why: Refusal, reason: string): Pending['invalid'][number] {
  return { seq, reason: `${why}: ${reason} (subject ${e.subject}, seq ${e.seq}, at ${e.at})`, raw: JSON.stringify(e), refusal: why };
}

export class IngestQueue {
  private readonly cursors = new Map<string, SeqCursor>();
  readonly current = new Map<string, CurrentState>();
  private queue: Pending[] = [];
  private scheduled = false;
  private committing: Promise<void> | null = null;

  /** When the last commit failed (null once one succeeds again): /healthz and the sessions' backoff read it. */
  failedAt: number | null = null;

  private constructor(
    private readonly store: IngestStore, private readonly metrics: SelfMetrics, private readonly now: () => number, readonly admission: Admission,
  ) {}

  /** The queue with the agents' cursors and the current states as the store holds them. */
  static async open(store: IngestStore, metrics: SelfMetrics, now: () => number, admission: Admission): Promise<IngestQueue> {
    const q = new IngestQueue(store, metrics, now, admission);
    for (const a of await store.cursors()) {
      const c = new SeqCursor(a.committed);
      for (const s of a.above) c.add(s);
      q.cursors.set(a.agentId, c);
    }
    for (const s of await store.currentStates()) q.current.set(s.subject, s);
    admission.load(q.current.values());
    return q;
  }

  cursor(agentId: string): SeqCursor {
    let c = this.cursors.get(agentId);
    if (!c) { c = new SeqCursor(0); this.cursors.set(agentId, c); }
    return c;
  }

  /** Splits a raw batch into valid events and rejects (kept verbatim with the reason). */
  static validate(batch: unknown[]): { valid: AgentEvent[]; invalid: { seq: number | null; reason: string; raw: string }[] } {
    const valid: AgentEvent[] = [];
    const invalid: { seq: number | null; reason: string; raw: string }[] = [];
    batch.forEach((e, i) => {
      if (isWireEventFast(e) || isHiddenFlapEventFast(e)) { valid.push(e); return; } // the common case, without zod's copy
      // The schema of the event's own kind, so the reason names its field, not the union's "Invalid input".
      const flap = e !== null && typeof e === 'object' && (e as { kind?: unknown }).kind === 'hidden-flap';
      const r = (flap ? HiddenFlapEventSchema : EventSchema).safeParse(e);
      if (r.success) valid.push(r.data);
      else {
        const seq = (e && typeof e === 'object' && Number.isSafeInteger((e as { seq?: unknown }).seq) && (e as { seq: number }).seq > 0) ? (e as { seq: number }).seq : null;
        invalid.push({ seq, reason: `batch[${i}]: ${describeIssues(r.error)}`, raw: JSON.stringify(e).slice(0, 10_000) });
      }
    });
    return { valid, invalid };
  }

  /** Queues a validated batch; resolves after the transaction holding it has committed. */
  submit(agentId: string, valid: AgentEvent[], invalid: Pending['invalid'], startedNs = process.hrtime.bigint(), frame?: string): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ agentId, valid, invalid, receivedAt: this.now(), startedNs, frame, resolve, reject });
      this.schedule();
    });
  }

  /** Waits for the commit in flight and everything queued before this call. */
  async drain(): Promise<void> {
    while (this.committing || this.queue.length) {
      if (!this.committing) this.flush();
      await this.committing;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.committing) return; // a running commit reschedules when it ends
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.flush(); });
  }

  private flush(): void {
    if (this.committing) return; // one commit at a time: its end reschedules
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    const prepared = this.prepare(items);
    const claims = this.admission.pending();
    this.committing = this.store.commit({ items: prepared.map((x) => x.item), ...(claims.length ? { claims } : {}) }).then(
      () => { this.failedAt = null; this.admission.committed(); this.committed(prepared); },
    ).catch((e: unknown) => {
      this.admission.failed();
      if (e instanceof SubjectsTakenError) {
        // Another collector gave those subjects to another agent first, and nothing was
        // written: the same frames again, ahead of the rest, with those owners known.
        // Each round learns at least one owner, so this ends.
        this.admission.learn(e.owners);
        this.queue = [...items, ...this.queue];
        return;
      }
      this.failedAt = this.now();
      for (const { pr } of prepared) pr.p.reject(e); // not committed (or not accounted): no ack, the agents resend
    }).finally(() => {
      this.committing = null;
      if (this.queue.length) this.schedule();
    });
  }

  /**
   * Drops events the cursors already hold (and repeats within this flush),
   * and works out each item's cursor once committed, on copies: the real
   * cursors only move when the commit has succeeded.
   */
  private prepare(items: Pending[]): { pr: Prepared; item: CommitItem }[] {
    const after = new Map<string, SeqCursor>();
    return items.map((p) => {
      let c = after.get(p.agentId);
      if (!c) { c = this.cursor(p.agentId).clone(); after.set(p.agentId, c); }
      const fresh: AgentEvent[] = [];
      let duplicate = 0;
      const refused: Pending['invalid'] = [];
      for (const e of p.valid) {
        if (c.has(e.seq)) {
          // Held already: a resend, unless its content differs (kept without a seq: the one stored keeps it).
          if (this.admission.checkRepeat(p.agentId, e)) refused.push(refusal(e, null, 'seq_conflict', `seq ${e.seq} sent again with other content`));
          else duplicate++;
          continue;
        }
        const why = this.admission.check(p.agentId, e, p.receivedAt);
        if (why) { refused.push(refusal(e, e.seq, why, REASONS[why])); continue; }
        c.add(e.seq);
        fresh.push(e);
      }
      // p stays as received: a commit refused for a taken subject prepares it again.
      const invalid = refused.length ? [...p.invalid, ...refused] : p.invalid;
      for (const r of invalid) if (r.seq !== null) c.add(r.seq);
      const item: CommitItem = {
        agentId: p.agentId, receivedAt: p.receivedAt, count: fresh.length, committed: c.committed,
        // The whole frame when every event in it is valid and new (the common case): no
        // second serialisation on this thread, which is the one that bounds ingest.
        events: p.frame !== undefined && fresh.length === p.valid.length && invalid.length === 0 ? p.frame : JSON.stringify(fresh),
        rejects: invalid.map((r) => [r.seq, r.reason, r.raw]),
      };
      return { pr: { p, fresh, duplicate, invalid }, item };
    });
  }

  private committed(prepared: { pr: Prepared }[]): void {
    const end = process.hrtime.bigint();
    for (const { pr: { p, fresh, duplicate, invalid } } of prepared) {
      const cur = this.cursor(p.agentId);
      for (const e of fresh) {
        cur.add(e.seq);
        // A hidden flap is evidence, not a state: the current state stays.
        if (e.kind === 'hidden-flap') { this.metrics.hiddenFlaps.inc({ agent: p.agentId }); continue; }
        this.note({ subject: e.subject, kind: e.kind, state: e.state, at: e.at, agentId: p.agentId });
      }
      const accepted = fresh.length;
      for (const r of invalid) {
        if (r.seq !== null) cur.add(r.seq);
        if (r.refusal) this.metrics.refused.inc({ reason: r.refusal });
      }
      this.metrics.ingested.inc({ outcome: 'accepted' }, accepted);
      this.metrics.ingested.inc({ outcome: 'duplicate' }, duplicate);
      this.metrics.ingested.inc({ outcome: 'rejected' }, invalid.length);
      this.metrics.ingestSeconds.observe(Number(end - p.startedNs) / 1e9);
      p.resolve({ accepted, duplicate, rejected: invalid.map(({ seq, reason }) => ({ seq, reason })), ack: cur.committed, hole: cur.hole() });
    }
  }

  /** Events acked but not yet readable as observations (SQLite: the ingest journal's backlog). */
  pending(): number {
    return this.store.ingestStats().pending;
  }

  /** Resolves once every event acked so far is in observations (the SLA ledger's reads wait for this). */
  async settled(): Promise<void> {
    await this.store.settled();
  }

  /** A subject's state as last observed, unless an observation at a later instant is already held. */
  note(s: CurrentState): void {
    const prev = this.current.get(s.subject);
    if (!prev || s.at >= prev.at) this.current.set(s.subject, s);
  }
}
