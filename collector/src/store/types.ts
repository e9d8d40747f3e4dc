/**
 * The store: every piece of persistence the collector does, behind one
 * interface (`Store`), so the layers above never see a database.
 *
 * The collector's modules, lowest first; each imports only from lower rows
 * (test/unit/collector/layers.test.ts keeps this true):
 *
 *   sla/  lib/  tokens  log    the pure reconciliation core (no I/O, no clock;
 *                              sla/ imports nothing but itself), a worker-thread
 *                              wrapper, token hashing, logging
 *   config                     the one loadConfig
 *   store/                     this interface (types.ts), its implementations
 *                              (sqlite/: the default, one file + its ingest
 *                              journal), and openStore (open.ts), the only way in
 *   metrics                    self-metrics registry
 *   ingest/   ledger/          ingest: the agents' endpoint, sessions, the ingest
 *                              queue (group commit, ack cursors, current state),
 *                              liveness. ledger: the SLA ledger (customers,
 *                              reports, exclusions, notices, audit; validation,
 *                              versions, tenure masking) and live reconciliation
 *   http/  domain-metrics  sla-metrics
 *   api/  →  report/           the NOC API under /api/v1, the printable page
 *   server                     startCollector: assembles all of the above
 *   cli  index                 dcprobe-collector, the package's entry
 *
 *   agent ──ws──► ingest/endpoint ─► session ─► IngestQueue ─► Store.commit ─► ack
 *   API, page, SLA metrics ─► SlaLedger ─► Store (appends, one month's snapshot)
 *                                      └─► sla/reconcile (pure)
 *
 * Methods return promises: an implementation may do I/O for each (PostgreSQL);
 * the SQLite one works synchronously and resolves. Each write method is one
 * transaction: it happens whole or not at all.
 */
import type { AdminStatus, SeenVia, State, SubjectKind } from '@dcprobe/shared';
import type { CustomerConfig } from '../config.ts';
import type { Exclusion, HiddenFlap, Observation, Report } from '../sla/types.ts';
import type { Delivery } from '../delivery/types.ts';

// ── Ingest ──────────────────────────────────────────────────────────────────

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

/** A subject the admission gave to the first agent to report it, in this commit. */
export interface SubjectClaim { subject: string; agentId: string }

/**
 * Everything one ingest commit makes durable: one transaction, one fsync.
 * `claims` are the subjects its events give to their first agent. A store
 * that several collectors share records them in the same transaction and,
 * if another agent holds one already, refuses the whole job with
 * SubjectsTakenError (E.SUBJECT_TAKEN) naming the owners; a store only one
 * collector writes (SQLite) needs no record: that collector's admission sees
 * every claim.
 */
export interface CommitJob { items: CommitItem[]; claims?: SubjectClaim[] }

/** What the ingest path's storage has done so far, for /metrics and /healthz. */
export interface IngestStats {
  /** Events acked (committed) but not yet readable as observations. */
  pending: number;
  /** Rows found already stored when written (the (agent, seq) guard behind the cursors). */
  duplicate: number;
  /** Rows the table refused, kept as rejected events with the reason. */
  quarantined: number;
}

/** An agent's ack cursor as stored: every seq up to `committed`, and the seqs stored above a gap. */
export interface AgentCursor { agentId: string; committed: number; above: number[] }

// ── Observations and agents ─────────────────────────────────────────────────

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

/** An event that failed validation (or that the table refused), kept verbatim. */
export interface RejectedEvent { agentId: string; seq: number | null; receivedAt: number; reason: string; raw: string }

/** What an agent's hello changes, at `at` (the collector's clock). */
export interface HelloRecord {
  agentId: string;
  at: number;
  clockOffsetMs: number;
  version: string | null;
  host: unknown;
  /** Seqs the agent dropped before they were acked: a gap `events_lost`, and its cursor moved to `committed`. */
  lost?: { from: number; to: number; committed: number } | undefined;
  /** It returns from silence: its open gap ends at `at`. */
  closeGap: boolean;
  /** Its own view of subjects where it differs from the collector's (`resync` observations). */
  observations: ObservationRow[];
}

/** An agent silent past its heartbeat timeout, noticed at `at`: a gap `silent` from `start`, its subjects unknown. */
export interface SilenceRecord { agentId: string; at: number; start: number; observations: ObservationRow[] }

// ── The SLA ledger: append-only versions ────────────────────────────────────

export interface CustomerVersion {
  customer: string;
  version: number;
  validFrom: number;
  spec: CustomerConfig;
  source: 'config' | 'api';
  recordedAt: number;
  recordedBy: string;
}

export type ReportChange = 'create' | 'correct' | 'notice';

/** Who entered a report: the NOC (on the customer's behalf), or the customer with its own token. */
export type ReportSource = 'noc' | 'customer';

/** A report as the reconciler sees it, plus the customer's own words and who entered it. */
export interface ReportFields extends Omit<Report, 'id'> {
  /** When the written report was sent (contract timer only: within 4 h of reportedAt); never changes the minutes. */
  writtenReportAt?: number | undefined;
  text?: string | undefined;
  /** 'noc' when absent (reports from before sources were recorded were all the NOC's). */
  source?: ReportSource | undefined;
}

export interface ReportVersion extends ReportFields {
  id: string; version: number; change: ReportChange; reason?: string | undefined; recordedAt: number; recordedBy: string;
}

export type ExclusionChange = 'create' | 'correct' | 'withdraw';

/** An exclusion as the reconciler sees it, without its id. */
export type ExclusionFields = Omit<Exclusion, 'id'>;

export interface ExclusionVersion extends ExclusionFields {
  id: string; version: number; change: ExclusionChange; withdrawn: boolean;
  reason?: string | undefined; recordedAt: number; recordedBy: string;
}

export type OperationChange = 'create' | 'correct';

/**
 * An operation the customer authorised (e.g. a planned reboot of its port):
 * the provider owes first feedback within 30 min of receiving the
 * authorisation. A contract timer only: it never changes the minutes.
 */
export interface OperationFields {
  customer: string;
  /** When the provider received the authorisation: starts the timer. */
  authorisedAt: number;
  /** When the provider first gave feedback on it: stops the timer. */
  firstFeedbackAt?: number | undefined;
  text?: string | undefined;
}

export interface OperationVersion extends OperationFields {
  id: string; version: number; change: OperationChange; reason?: string | undefined; recordedAt: number; recordedBy: string;
}

export type AuditEntity = 'customer' | 'report' | 'exclusion' | 'operation';

/** One audit row, written in the same transaction as the change it records. */
export interface AuditEntry {
  at: number; actor: string; action: string; entity: AuditEntity; entityId: string; version: number | null; detail?: unknown;
}

/**
 * What one customer-month reads, planned from the customer's versions as
 * they are in the same snapshot: the subjects any of them had, and the window.
 */
export interface MonthPlan { subjects: readonly string[]; from: number; asOf: number }

/** One customer-month as of one consistent snapshot. */
export interface MonthSnapshot {
  /** The customer's versions, oldest first. */
  versions: CustomerVersion[];
  /** Per planned subject: its last observation at or before `from`, then those in (from, asOf], oldest first. */
  observations: Map<string, Observation[]>;
  /** The planned subjects' hidden flaps ending in (from, asOf], by subject then end. */
  hiddenFlaps: HiddenFlap[];
  /** The latest version of each of the customer's reports, in order of receipt. */
  reports: ReportVersion[];
  /** The latest version of each exclusion of the customer or of every customer, withdrawn ones included. */
  exclusions: ExclusionVersion[];
}

/** One customer's month within a bulk read (LedgerStore.readMonths). */
export interface CustomerMonth { customer: string; snapshot: MonthSnapshot }

/** Customers per batch of readMonths when the caller gives none. */
export const MONTHS_BATCH = 100;

// ── API tokens made through the admin API (the config's never reach the store) ──

export interface ApiTokenRow {
  name: string;
  role: 'read' | 'write' | 'admin' | 'customer';
  /** Set exactly for role customer. */
  customer: string | null;
  /** sha256:<hex>; the token itself is shown once, at creation, and never stored. */
  tokenHash: string;
  createdAt: number; createdBy: string;
  revokedAt: number | null; revokedBy: string | null;
}

// ── The interface ───────────────────────────────────────────────────────────

export interface IngestStore {
  /** Resolves once the job is durable (what an ack promises). Duplicates by (agent, seq) are stored once. */
  commit(job: CommitJob): Promise<void>;
  /** Resolves once everything committed before the call is readable as observations. */
  settled(): Promise<void>;
  /** In-memory counters, read at each scrape. */
  ingestStats(): IngestStats;
  /** Every agent's stored cursor, with the seqs (events and rejects) stored above it. */
  cursors(): Promise<AgentCursor[]>;
  /** The latest observation of every subject (ties: the one stored last). */
  currentStates(): Promise<CurrentState[]>;
}

/** An agent's stored state when its hello arrives at a collector. */
export interface AgentClaim {
  /** Its cursor as stored: ahead of this collector's own when it streamed to another one meanwhile. */
  cursor: AgentCursor;
  /** Whether a gap of it is open (recorded by whichever collector led then). */
  inGap: boolean;
  /**
   * The current states of the subjects it owns as the store holds them (each
   * subject whose latest observation is its own), so a collector it moved to
   * knows subjects another collector took in meanwhile.
   */
  owned: CurrentState[];
}

export interface AgentStore {
  agents(): Promise<AgentRow[]>;
  /**
   * An agent's hello arrived here: this collector takes its session (PostgreSQL:
   * fencing the session any other collector still holds, which may then write
   * and ack nothing more for it) and reads its stored state.
   */
  claimAgent(agentId: string, at: number): Promise<AgentClaim>;
  recordHello(h: HelloRecord): Promise<void>;
  /**
   * Opens the gap unless the store knows a sign of life of the agent after
   * `s.start` (it is connected to another collector): then writes nothing and
   * returns that instant. Null when the gap was recorded.
   */
  recordSilence(s: SilenceRecord): Promise<number | null>;
  /** Signs of life of agents connected here, for the liveness sweep of whichever collector leads (SQLite: one collector, nothing to share). */
  recordSeen(seen: readonly { agentId: string; at: number }[]): Promise<void>;
  openGaps(): Promise<GapRow[]>;
  /** Gaps overlapping [from, to), by start. */
  gaps(from: number, to: number): Promise<GapRow[]>;
}

export interface ObservationReads {
  /** Bulk load (imports, fixtures, benchmarks) in one transaction; returns how many were new. */
  importObservations(rows: readonly ObservationRow[], receivedAt: number): Promise<number>;
  countObservations(): Promise<number>;
  /**
   * The subjects with observations stored after `mark`, and the mark to pass
   * next time (an opaque, growing number); with null, only the current mark.
   */
  observedSince(mark: number | null): Promise<{ mark: number; subjects: string[] }>;
  rejectedEvents(agentId: string): Promise<RejectedEvent[]>;
  /**
   * Per subject: its last observation at or before `from`, then those in
   * (from, asOf], oldest first, each with the administrative state its event
   * carried. For display: the SLA reads observations through readMonth.
   */
  portChanges(subjects: readonly string[], from: number, asOf: number): Promise<Map<string, PortChange[]>>;
}

/** A port's observation as the ports view shows it: `admin` is the event's evidence.admin (null when absent). */
export interface PortChange { subject: string; state: State; at: number; via: SeenVia; admin: AdminStatus | null }

/**
 * Versioned appends take the version to write; it must be one more than the
 * latest stored (1 for a new id). If another writer appended first, the call
 * fails with DcprobeError(E.CONFLICT) and writes nothing.
 */
export interface LedgerStore {
  customerVersions(): Promise<CustomerVersion[]>;
  /** Several customers' new versions with their audit rows, all or none. */
  appendCustomerVersions(entries: readonly { version: CustomerVersion; audit: AuditEntry }[]): Promise<void>;
  reportHistory(id: string): Promise<ReportVersion[]>;
  /** Latest versions, of one customer or all, in order of receipt. */
  latestReports(customer?: string): Promise<ReportVersion[]>;
  appendReport(v: ReportVersion, audit: AuditEntry): Promise<void>;
  exclusionHistory(id: string): Promise<ExclusionVersion[]>;
  /** Latest versions (withdrawn included) by start; with a customer, its own and those of every customer. */
  latestExclusions(customer?: string): Promise<ExclusionVersion[]>;
  appendExclusion(v: ExclusionVersion, audit: AuditEntry): Promise<void>;
  operationHistory(id: string): Promise<OperationVersion[]>;
  /** Latest versions, of one customer or all, by authorisation time. */
  latestOperations(customer?: string): Promise<OperationVersion[]>;
  appendOperation(v: OperationVersion, audit: AuditEntry): Promise<void>;
  /** The audit rows of one entity, oldest first. */
  audit(entity: AuditEntity, entityId: string): Promise<AuditEntry[]>;
  /** One customer-month from one snapshot; null when `plan` returns null (e.g. no version). */
  readMonth(customer: string, plan: (versions: readonly CustomerVersion[]) => MonthPlan | null): Promise<MonthSnapshot | null>;
  /**
   * Every customer's month (each customer with a version, by id) from ONE
   * snapshot, handed to `each` in batches of up to `batchSize` customers; a
   * customer whose plan returns null is left out. Each snapshot is what
   * readMonth would return for that customer in the same snapshot. The next
   * batch may be read while `each` runs (PostgreSQL does), so a caller that
   * reconciles one batch overlaps the read of the next. Read-only: customers
   * with the same window may share a subject's array.
   */
  readMonths(
    plan: (versions: readonly CustomerVersion[]) => MonthPlan | null,
    each: (batch: CustomerMonth[]) => void | Promise<void>,
    batchSize?: number,
  ): Promise<void>;
  /**
   * Calls `fn` after a ledger change committed by any writer on the store
   * (another collector on the same PostgreSQL database; null: anything may
   * have changed), so caches are dropped; SQLite, written by one collector
   * only, never calls it. Returns an unsubscribe.
   */
  onLedgerChange(fn: (customerId: string | null) => void): () => void;
}

// ── Notices, deliveries and statements ──────────────────────────────────────

/** drafted: waiting for the NOC (or the customer's auto-send policy); confirmed: its deliveries exist; delivered: a receipt counted. */
export type NoticeStatus = 'drafted' | 'confirmed' | 'delivered' | 'failed';

/** A restoration notice: at most one per report (the store refuses a second). */
export interface NoticeRecord {
  id: string;
  report: string;
  customer: string;
  /** The draft with its evidence, as JSON (notices/draft.ts NoticeDraft). */
  draft: string;
  status: NoticeStatus;
  draftedAt: number;
  confirmedAt: number | null;
  confirmedBy: string | null;
  /** The first receipt: what became the report's noticeAt. */
  deliveredAt: number | null;
}

/** A delivery with what it sends, stored so that a resend after a restart sends the same bytes. */
export interface StoredDelivery { delivery: Delivery; content: string }

/** A frozen statement (or a revision of one) and its files with their SHA-256. */
export interface StatementRecord {
  id: string; customer: string; month: string; revision: number; issuedAt: number; reason: string | null;
  files: { name: string; mediaType: string; sha256: string; content: Buffer }[];
}

/**
 * What the notices' and statements' deliveries persist. Every method is one
 * transaction; unique keys (one notice per report, one delivery per item and
 * channel, one attempt per number) make a repeated call after a restart a
 * no-op rather than a duplicate.
 */
export interface DeliveryStore {
  /** Stores a new draft; false (and nothing written) if the report already has a notice. */
  recordNotice(n: NoticeRecord): Promise<boolean>;
  notice(id: string): Promise<NoticeRecord | null>;
  noticeOfReport(report: string): Promise<NoticeRecord | null>;
  notices(customer?: string): Promise<NoticeRecord[]>;
  /** drafted → confirmed, with its deliveries, all or none; E.CONFLICT if it is no longer a draft. */
  confirmNotice(id: string, at: number, by: string, deliveries: readonly StoredDelivery[]): Promise<void>;
  /** Saves a delivery's state and attempts (it must exist). A failed notice delivery marks the notice failed once every channel failed. */
  saveDelivery(d: Delivery): Promise<void>;
  /**
   * Saves a delivered notice delivery and, if it is the notice's first receipt,
   * appends the report's next version with noticeAt = the receipt time and its
   * audit row (detail: the delivery and its attempts), in the same transaction.
   */
  deliverNotice(d: Delivery, actor: string): Promise<void>;
  /** Deliveries of one item, or every one not yet delivered or failed (what recover() resumes). */
  deliveries(item?: { kind: 'notice' | 'statement'; id: string }): Promise<StoredDelivery[]>;
  /** E.CONFLICT if (customer, month, revision) exists. Its deliveries, if any, are stored in the same transaction. */
  recordStatement(s: StatementRecord, deliveries?: readonly StoredDelivery[]): Promise<void>;
  statements(customer: string, month?: string): Promise<StatementRecord[]>;
  /** The instant up to which month ends were handled (statements/schedule.ts); null before the first start. */
  statementWatermark(): Promise<number | null>;
  setStatementWatermark(at: number): Promise<void>;
}

/** Kept apart from the ledger: small, and each implementation ports it on its own. */
export interface ApiTokenStore {
  /** Every token made, revoked ones included, oldest first. */
  apiTokens(): Promise<ApiTokenRow[]>;
  /** Fails with DcprobeError(E.CONFLICT) when the name (revoked ones included) or the hash is taken. */
  addApiToken(t: ApiTokenRow): Promise<void>;
  /** Marks the live token of that name revoked; false when there is none. */
  revokeApiToken(name: string, at: number, by: string): Promise<boolean>;
}

/** Where the store's hash chain (store/chain.ts) ends now: how many links, and the last one's hash. */
export interface ChainHead {
  /** The head link's number; links are numbered from 1 without gaps, so while the chain is intact this is verify-store's count. */
  links: number;
  /** The head link's hash (sha256, 64 hex digits); 64 zeros before the first link. */
  head: string;
}

/** The hash chain as /metrics shows it; the walk itself is verify-store's (store/open.ts verifyStoreChain). */
export interface ChainStore {
  /**
   * The chain's head as stored, read cheaply (the last link, not a walk: a
   * scrape may call it). Null for a store that keeps no chain: PostgreSQL so far.
   */
  chainHead(): Promise<ChainHead | null>;
}

export interface Store extends IngestStore, AgentStore, ObservationReads, LedgerStore, DeliveryStore, ApiTokenStore, ChainStore {
  /**
   * Whether this collector runs the duties that must run once per store
   * (liveness gaps, timers): always on SQLite; on PostgreSQL the one holding
   * the leader lock (postgres/leader.ts), and it may change at any time.
   */
  isLeader(): boolean;
  /** Lets the commit in flight finish, then releases everything; later calls fail. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite: 'FULL' by default; 'NORMAL' trades the last transactions on power loss for speed. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Committed events beyond which commits wait until they are readable (SQLite: journal not yet projected). */
  maxPending?: number;
  /** Fault injection for tests: make commits readable only when a read waits (settled) or at close. */
  holdProjection?: boolean;
}
