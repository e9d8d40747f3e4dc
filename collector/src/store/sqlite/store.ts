/**
 * The SQLite store: one database file (WAL) plus its ingest journal
 * (`<file>.ingest`), or everything in memory for `:memory:`. Ingest commits
 * go to the journal on a thread of its own and are projected into the
 * observations on another (writer.ts); everything else runs on this
 * connection, synchronously, and resolves.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type {
  AgentClaim, AgentCursor, AgentRow, ApiTokenRow, AuditEntity, AuditEntry, ChainHead, CommitJob, CurrentState, CustomerVersion, ExclusionVersion, GapRow,
  HelloRecord, IngestStats, CustomerMonth, MonthPlan, MonthSnapshot, OperationVersion, NoticeRecord, ObservationRow, PortChange, RejectedEvent, ReportVersion, SilenceRecord, StatementRecord,
  Store, StoreOptions, StoredDelivery,
} from '../types.ts';
import type { Delivery } from '../../delivery/types.ts';
import { chainHeadReader } from './chain.ts';
import { DeliveryTables } from './deliveries.ts';
import { ApiTokenTable } from './api-tokens.ts';
import { openDb, type Db } from './db.ts';
import { LedgerTables } from './ledger.ts';
import { monthReader, monthsReader } from './month.ts';
import { portChangesReader } from './port-changes.ts';
import { ObservationTables } from './observations.ts';
import { openWriter, type Writer } from './writer.ts';

export async function openSqliteStore(file: string, opts: StoreOptions = {}): Promise<SqliteStore> {
  const db = openDb(file, opts.synchronous ? { synchronous: opts.synchronous } : {});
  const writer = await openWriter(db, file, {
    synchronous: opts.synchronous ?? 'FULL', ...(opts.maxPending ? { maxPending: opts.maxPending } : {}),
    ...(opts.holdProjection ? { holdProjection: true } : {}),
  }).catch((e: Error) => {
    db.close();
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${file}: ${e.message}`, { cause: e });
  });
  return new SqliteStore(db, writer);
}

export class SqliteStore implements Store {
  private readonly obs: ObservationTables;
  private readonly ledger: LedgerTables;
  private readonly month;
  private readonly months;
  private readonly ports;
  private readonly out: DeliveryTables;
  private readonly tokens: ApiTokenTable;
  private readonly head: () => ChainHead;

  constructor(private readonly db: Db, private readonly writer: Writer) {
    this.obs = new ObservationTables(db);
    this.ledger = new LedgerTables(db);
    this.month = monthReader(db, this.ledger);
    this.months = monthsReader(db, this.ledger, this.month);
    this.ports = portChangesReader(db);
    this.out = new DeliveryTables(db, this.ledger);
    this.tokens = new ApiTokenTable(db);
    this.head = chainHeadReader(db);
  }

  commit(job: CommitJob): Promise<void> { return this.writer.commit(job); }
  settled(): Promise<void> { return this.writer.settled(); }
  ingestStats(): IngestStats { return this.writer.stats(); }
  async cursors(): Promise<AgentCursor[]> { return this.obs.cursors(); }
  async currentStates(): Promise<CurrentState[]> { return this.obs.currentStates(); }

  async agents(): Promise<AgentRow[]> { return this.obs.agents(); }
  async claimAgent(agentId: string): Promise<AgentClaim> { return this.obs.claim(agentId); }
  async recordHello(h: HelloRecord): Promise<void> { this.obs.recordHello(h); }
  /** One collector: it heard every agent itself, so its silence is the agent's. */
  async recordSilence(s: SilenceRecord): Promise<number | null> { this.obs.recordSilence(s); return null; }
  async recordSeen(): Promise<void> {}
  async openGaps(): Promise<GapRow[]> { return this.obs.openGaps(); }
  async gaps(from: number, to: number): Promise<GapRow[]> { return this.obs.gaps(from, to); }

  async importObservations(rows: readonly ObservationRow[], receivedAt: number): Promise<number> { return this.obs.importObservations(rows, receivedAt); }
  async countObservations(): Promise<number> { return this.obs.countObservations(); }
  async observedSince(mark: number | null): Promise<{ mark: number; subjects: string[] }> { return this.obs.observedSince(mark); }
  async rejectedEvents(agentId: string): Promise<RejectedEvent[]> { return this.obs.rejectedEvents(agentId); }
  async portChanges(subjects: readonly string[], from: number, asOf: number): Promise<Map<string, PortChange[]>> { return this.ports(subjects, from, asOf); }

  async customerVersions(): Promise<CustomerVersion[]> { return this.ledger.customerVersions(); }
  async appendCustomerVersions(entries: readonly { version: CustomerVersion; audit: AuditEntry }[]): Promise<void> { this.ledger.appendCustomerVersions(entries); }
  async reportHistory(id: string): Promise<ReportVersion[]> { return this.ledger.reports.history(id); }
  async latestReports(customer?: string): Promise<ReportVersion[]> { return this.ledger.latestReports(customer); }
  async appendReport(v: ReportVersion, audit: AuditEntry): Promise<void> { this.ledger.appendReport(v, audit); }
  async exclusionHistory(id: string): Promise<ExclusionVersion[]> { return this.ledger.exclusions.history(id); }
  async latestExclusions(customer?: string): Promise<ExclusionVersion[]> { return this.ledger.latestExclusions(customer); }
  async appendExclusion(v: ExclusionVersion, audit: AuditEntry): Promise<void> { this.ledger.appendExclusion(v, audit); }
  async operationHistory(id: string): Promise<OperationVersion[]> { return this.ledger.operations.history(id); }
  async latestOperations(customer?: string): Promise<OperationVersion[]> { return this.ledger.latestOperations(customer); }
  async appendOperation(v: OperationVersion, audit: AuditEntry): Promise<void> { this.ledger.appendOperation(v, audit); }
  async audit(entity: AuditEntity, entityId: string): Promise<AuditEntry[]> { return this.ledger.audit(entity, entityId); }
  async readMonth(customer: string, plan: (versions: readonly CustomerVersion[]) => MonthPlan | null): Promise<MonthSnapshot | null> {
    return this.month(customer, plan);
  }
  readMonths(plan: (versions: readonly CustomerVersion[]) => MonthPlan | null, each: (batch: CustomerMonth[]) => void | Promise<void>, batchSize?: number): Promise<void> {
    return this.months(plan, each, batchSize);
  }

  async recordNotice(n: NoticeRecord): Promise<boolean> { return this.out.recordNotice(n); }
  async notice(id: string): Promise<NoticeRecord | null> { return this.out.notice(id); }
  async noticeOfReport(report: string): Promise<NoticeRecord | null> { return this.out.noticeOfReport(report); }
  async notices(customer?: string): Promise<NoticeRecord[]> { return this.out.notices(customer); }
  async confirmNotice(id: string, at: number, by: string, deliveries: readonly StoredDelivery[]): Promise<void> { this.out.confirmNotice(id, at, by, deliveries); }
  async saveDelivery(d: Delivery): Promise<void> { this.out.saveDelivery(d); }
  async deliverNotice(d: Delivery, actor: string): Promise<void> { this.out.deliverNotice(d, actor); }
  async deliveries(item?: { kind: 'notice' | 'statement'; id: string }): Promise<StoredDelivery[]> { return this.out.deliveries(item); }
  async recordStatement(s: StatementRecord, deliveries: readonly StoredDelivery[] = []): Promise<void> { this.out.recordStatement(s, deliveries); }
  async statements(customer: string, month?: string): Promise<StatementRecord[]> { return this.out.statements(customer, month); }
  async statementWatermark(): Promise<number | null> { return this.out.statementWatermark(); }
  async setStatementWatermark(at: number): Promise<void> { this.out.setStatementWatermark(at); }
  apiTokens(): Promise<ApiTokenRow[]> { return this.tokens.apiTokens(); }
  addApiToken(t: ApiTokenRow): Promise<void> { return this.tokens.addApiToken(t); }
  revokeApiToken(name: string, at: number, by: string): Promise<boolean> { return this.tokens.revokeApiToken(name, at, by); }
  /** One collector writes a SQLite store (sqlite/lock.ts): it sees its own changes, no one else's. */
  onLedgerChange(): () => void { return () => {}; }
  /** The only collector on the file. */
  isLeader(): boolean { return true; }
  async chainHead(): Promise<ChainHead | null> { return this.head(); }

  private closed = false;
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }
}
