/**
 * What the store keeps and hands over, independent of the database behind it.
 */
import type { State, SubjectKind, SeenVia } from '@dcprobe/shared';

/** One agent frame's share of an ingest commit, as the ingest queue hands it over. */
export interface CommitItem {
  agentId: string;
  receivedAt: number;
  /**
   * The frame's new events as JSON text: the events frame as received when
   * all of it is new (`{"type":"events","v":1,"batch":[…]}`), else an array
   * of the new events. One string is cheap to pass between threads and is
   * stored as it is; the rows are built off the ack's path.
   */
  events: string;
  count: number;
  /** Events that failed validation, kept verbatim: [seq, reason, raw]. */
  rejects: [number | null, string, string][];
  /** The agent's ack cursor once this item is committed (stored with it). */
  committed: number;
}

/** Everything one ingest commit makes durable: one transaction, one fsync. */
export interface CommitJob { items: CommitItem[] }

/** What the ingest path's storage has done so far, for /metrics and /healthz. */
export interface IngestStats {
  /** Events acked (committed) but not yet readable as observations. */
  pending: number;
  /** Rows found already stored when written (the (agent, seq) guard behind the cursors). */
  duplicate: number;
  /** Rows the table refused, kept as rejected events with the reason. */
  quarantined: number;
}

/** An observation: a subject's state from an instant on, with where it came from. */
export interface ObservationRow {
  subject: string;
  kind: SubjectKind;
  state: State;
  at: number;
  via: SeenVia;
  agentId: string | null;
  seq: number | null;
  evidence?: Record<string, unknown> | undefined;
}

/** The latest observation of a subject. */
export interface CurrentState { subject: string; kind: SubjectKind; state: State; at: number; agentId: string | null }

export interface AgentRow {
  id: string; committedSeq: number; firstSeen: number | null; lastSeen: number | null;
  clockOffsetMs: number | null; version: string | null; host: string | null;
}

export interface GapRow { id: number; agentId: string; start: number; end: number | null; reason: string }
