/**
 * The PostgreSQL store: several collectors on one database. An ingest
 * commit is one PostgreSQL transaction and resolves only after COMMIT
 * returned (synchronous_commit on, connect.ts), so an ack never outlives
 * the collector's host; there is no local journal. Exactly-once across
 * collectors is the unique (agent_id, seq); a collector whose session for
 * an agent was taken over is fenced (sessions.ts, commit.ts). The tables
 * are those of the SQLite store (migrations.ts), one file per area as in
 * store/sqlite/.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type {
  AgentClaim, AgentCursor, AgentRow, AuditEntity, AuditEntry, CommitJob, CurrentState, CustomerVersion, ExclusionVersion, GapRow,
  ApiTokenRow, HelloRecord, IngestStats, CustomerMonth, MonthPlan, MonthSnapshot, NoticeRecord, ObservationRow, OperationVersion, PortChange, RejectedEvent, ReportVersion, SilenceRecord,
  StatementRecord, Store, StoredDelivery,
} from '../types.ts';
import type { Delivery } from '../../delivery/types.ts';
import { ApiTokenTable } from './api-tokens.ts';
import { commitJob, SessionEpochs } from './commit.ts';
import { connectPostgres, type PgTarget, type Postgres } from './connect.ts';
import { DeliveryTables } from './deliveries.ts';
import { LedgerTables } from './ledger.ts';
import { migrate } from './migrations.ts';
import { monthReader } from './month.ts';
import { monthsReader } from './months.ts';
import { ObservationTables } from './observations.ts';
import { readPortChanges } from './port-changes.ts';
import { claimIn } from './sessions.ts';
import { electLeader, type LeaderOptions, type Leadership } from './leader.ts';
import { listenChanges, type ChangeListener } from './notify.ts';
import { inTransaction } from './tx.ts';

export interface PostgresStoreOptions {
  /** Leader election and change listening timings (tests shorten them). */
  leader?: Omit<LeaderOptions, 'log'> | undefined;
  log?: Logger | undefined;
  /** How long a database that is down at start-up is waited for, ms (connect.ts). */
  startupTimeoutMs?: number | undefined;
  /** This collector's name in agent_sessions and pg_stat_activity (default host:pid). */
  collector?: string | undefined;
}

export async function openPostgresStore(target: PgTarget, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const collector = opts.collector ?? `${hostname()}:${process.pid}`;
  const db = await connectPostgres(target, {
    applicationName: `dcprobe-collector ${collector}`.slice(0, 63),
    ...(opts.log ? { log: opts.log } : {}), ...(opts.startupTimeoutMs !== undefined ? { startupTimeoutMs: opts.startupTimeoutMs } : {}),
  });
  try {
    await migrate(db.pool);
  } catch (e) {
    await db.close();
    throw e;
  }
  return new PostgresStore(db, collector, opts);
}

export class PostgresStore implements Store {
  private readonly obs: ObservationTables;
  private readonly ledger: LedgerTables;
  private readonly month;
  private readonly months;
  private readonly tokens: ApiTokenTable;
  private readonly delivery: DeliveryTables;
  private readonly epochs: SessionEpochs;
  private readonly stats: IngestStats = { pending: 0, duplicate: 0, quarantined: 0 };
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly leadership: Leadership;
  private readonly changes: ChangeListener;
  private readonly changeListeners = new Set<(customerId: string | null) => void>();
  private closed = false;

  constructor(readonly db: Postgres, readonly collector: string, opts: PostgresStoreOptions = {}) {
    this.obs = new ObservationTables(db.pool);
    this.ledger = new LedgerTables(db.pool);
    this.month = monthReader(db.pool, this.ledger);
    this.months = monthsReader(db.pool, this.ledger);
    this.tokens = new ApiTokenTable(db.pool);
    this.delivery = new DeliveryTables(db.pool, this.ledger);
    this.epochs = new SessionEpochs(db.pool, collector);
    const log = opts.log ? { log: opts.log } : {};
    this.leadership = electLeader(db, { ...opts.leader, ...log });
    this.changes = listenChanges(db, (c) => { for (const fn of this.changeListeners) fn(c.customerId); }, log);
  }

  async commit(job: CommitJob): Promise<void> {
    const r = await this.track(commitJob(this.db.pool, this.epochs, job));
    this.stats.duplicate += r.duplicate;
  }

  /** Readable once committed: nothing is ever pending. */
  async settled(): Promise<void> {}
  ingestStats(): IngestStats { return { ...this.stats }; }
  cursors(): Promise<AgentCursor[]> { return this.obs.cursors(); }
  currentStates(): Promise<CurrentState[]> { return this.obs.currentStates(); }

  agents(): Promise<AgentRow[]> { return this.obs.agents(); }
  /** Takes the agent's session over (fencing any other collector's) and reads its cursor after the claim, in one transaction. */
  async claimAgent(agentId: string, at: number): Promise<AgentClaim> {
    const { epoch, claim } = await this.track(inTransaction(this.db.pool, `session claim for agent ${agentId}`, async (c) => {
      const s = await claimIn(c, agentId, this.collector, at);
      return { epoch: s.epoch, claim: await this.obs.claim(c, agentId, s.committedSeq) };
    }));
    this.epochs.set(agentId, epoch);
    return claim;
  }
  recordHello(h: HelloRecord): Promise<void> {
    return this.track(inTransaction(this.db.pool, `hello of agent ${h.agentId}`, (c) => this.obs.recordHello(c, h)));
  }
  recordSilence(s: SilenceRecord): Promise<number | null> { return this.track(this.obs.recordSilence(s)); }
  recordSeen(seen: readonly { agentId: string; at: number }[]): Promise<void> { return this.obs.recordSeen(this.collector, seen); }
  openGaps(): Promise<GapRow[]> { return this.obs.openGaps(); }
  gaps(from: number, to: number): Promise<GapRow[]> { return this.obs.gaps(from, to); }

  importObservations(rows: readonly ObservationRow[], receivedAt: number): Promise<number> { return this.track(this.obs.importObservations(rows, receivedAt)); }
  countObservations(): Promise<number> { return this.obs.countObservations(); }
  observedSince(mark: number | null): Promise<{ mark: number; subjects: string[] }> { return this.obs.observedSince(mark); }
  rejectedEvents(agentId: string): Promise<RejectedEvent[]> { return this.obs.rejectedEvents(agentId); }

  customerVersions(): Promise<CustomerVersion[]> { return this.ledger.customerVersions(); }
  appendCustomerVersions(entries: readonly { version: CustomerVersion; audit: AuditEntry }[]): Promise<void> { return this.track(this.ledger.appendCustomerVersions(entries)); }
  reportHistory(id: string): Promise<ReportVersion[]> { return this.ledger.reports.history(this.db.pool, id); }
  latestReports(customer?: string): Promise<ReportVersion[]> { return this.ledger.latestReports(customer); }
  appendReport(v: ReportVersion, audit: AuditEntry): Promise<void> { return this.track(this.ledger.appendReport(v, audit)); }
  exclusionHistory(id: string): Promise<ExclusionVersion[]> { return this.ledger.exclusions.history(this.db.pool, id); }
  latestExclusions(customer?: string): Promise<ExclusionVersion[]> { return this.ledger.latestExclusions(customer); }
  appendExclusion(v: ExclusionVersion, audit: AuditEntry): Promise<void> { return this.track(this.ledger.appendExclusion(v, audit)); }
  operationHistory(id: string): Promise<OperationVersion[]> { return this.ledger.operations.history(this.db.pool, id); }
  latestOperations(customer?: string): Promise<OperationVersion[]> { return this.ledger.latestOperations(customer); }
  appendOperation(v: OperationVersion, audit: AuditEntry): Promise<void> { return this.track(this.ledger.appendOperation(v, audit)); }
  audit(entity: AuditEntity, entityId: string): Promise<AuditEntry[]> { return this.ledger.audit(entity, entityId); }
  readMonth(customer: string, plan: (versions: readonly CustomerVersion[]) => MonthPlan | null): Promise<MonthSnapshot | null> {
    return this.month(customer, plan);
  }
  readMonths(plan: (versions: readonly CustomerVersion[]) => MonthPlan | null, each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize?: number): Promise<void> {
    return this.months(plan, each, batchSize);
  }
  portChanges(subjects: readonly string[], from: number, asOf: number): Promise<Map<string, PortChange[]>> {
    return readPortChanges(this.db.pool, subjects, from, asOf);
  }

  apiTokens(): Promise<ApiTokenRow[]> { return this.tokens.apiTokens(); }
  addApiToken(t: ApiTokenRow): Promise<void> { return this.track(this.tokens.addApiToken(t)); }
  revokeApiToken(name: string, at: number, by: string): Promise<boolean> { return this.track(this.tokens.revokeApiToken(name, at, by)); }

  recordNotice(n: NoticeRecord): Promise<boolean> { return this.track(this.delivery.recordNotice(n)); }
  notice(id: string): Promise<NoticeRecord | null> { return this.delivery.notice(id); }
  noticeOfReport(report: string): Promise<NoticeRecord | null> { return this.delivery.noticeOfReport(report); }
  notices(customer?: string): Promise<NoticeRecord[]> { return this.delivery.notices(customer); }
  confirmNotice(id: string, at: number, by: string, deliveries: readonly StoredDelivery[]): Promise<void> {
    return this.track(this.delivery.confirmNotice(id, at, by, deliveries));
  }
  saveDelivery(d: Delivery): Promise<void> { return this.track(this.delivery.saveDelivery(d)); }
  deliverNotice(d: Delivery, actor: string): Promise<void> { return this.track(this.delivery.deliverNotice(d, actor)); }
  deliveries(item?: { kind: 'notice' | 'statement'; id: string }): Promise<StoredDelivery[]> { return this.delivery.deliveries(item); }
  recordStatement(s: StatementRecord, deliveries: readonly StoredDelivery[] = []): Promise<void> {
    return this.track(this.delivery.recordStatement(s, deliveries));
  }
  statements(customer: string, month?: string): Promise<StatementRecord[]> { return this.delivery.statements(customer, month); }
  statementWatermark(): Promise<number | null> { return this.delivery.statementWatermark(); }
  setStatementWatermark(at: number): Promise<void> { return this.track(this.delivery.setStatementWatermark(at)); }

  onLedgerChange(fn: (customerId: string | null) => void): () => void {
    this.changeListeners.add(fn);
    return () => { this.changeListeners.delete(fn); };
  }

  isLeader(): boolean { return this.leadership.isLeader(); }

  /** PostgreSQL keeps no hash chain yet: its tables are written by several collectors at once, with no single order to chain. */
  async chainHead(): Promise<null> { return null; }

  /** Lets the writes in flight finish, gives up leading, then closes the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.leadership.stop(), this.changes.stop()]);
    await Promise.allSettled([...this.inFlight]);
    await this.db.close();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = () => { this.inFlight.delete(p); };
    p.then(done, done);
    return p;
  }
}
