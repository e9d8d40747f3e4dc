/**
 * Notices, deliveries and statements (migration 8). A delivery row holds the
 * state machine's fields, its attempts one row each; saving writes both in one
 * transaction. A notice delivery's receipt appends the report's notice version
 * in that same transaction (deliverNotice), so the receipt can never be stored
 * without its noticeAt or the other way round, whatever moment the process dies.
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type { Attempt, AttemptOutcome, Channel, Delivery, DeliveryStatus } from '../../delivery/types.ts';
import type { NoticeRecord, StatementRecord, StoredDelivery } from '../types.ts';
import type { Db } from './db.ts';
import type { LedgerTables } from './ledger.ts';

interface DeliveryRow {
  id: string; itemKind: 'notice' | 'statement'; itemId: string; channel: Channel; customer: string; target: string;
  content: string; createdAt: number; status: DeliveryStatus; nextAttemptAt: number | null; receiptAt: number | null; receiptResponse: string | null;
}
interface AttemptRow { n: number; startedAt: number; endedAt: number | null; outcome: string | null }

const NOTICE_COLS = `id, report_id report, customer_id customer, draft, status, drafted_at draftedAt, confirmed_at confirmedAt,
  confirmed_by confirmedBy, delivered_at deliveredAt`;
const DELIVERY_COLS = `id, item_kind itemKind, item_id itemId, channel, customer_id customer, target, content, created_at createdAt,
  status, next_attempt_at nextAttemptAt, receipt_at receiptAt, receipt_response receiptResponse`;

export class DeliveryTables {
  private readonly insNotice;
  private readonly insDelivery;
  private readonly updDelivery;
  private readonly upsAttempt;
  private readonly attemptsOf;

  constructor(private readonly db: Db, private readonly ledger: LedgerTables) {
    this.insNotice = db.prepare(`INSERT INTO notices (id, report_id, customer_id, draft, status, drafted_at, confirmed_at, confirmed_by, delivered_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING`);
    this.insDelivery = db.prepare(`INSERT INTO deliveries (id, item_kind, item_id, channel, customer_id, target, content, created_at, status,
      next_attempt_at, receipt_at, receipt_response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.updDelivery = db.prepare(`UPDATE deliveries SET status = ?, next_attempt_at = ?, receipt_at = ?, receipt_response = ? WHERE id = ?`);
    this.upsAttempt = db.prepare(`INSERT INTO delivery_attempts (delivery_id, n, started_at, ended_at, outcome) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (delivery_id, n) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome`);
    this.attemptsOf = db.prepare(`SELECT n, started_at startedAt, ended_at endedAt, outcome FROM delivery_attempts WHERE delivery_id = ? ORDER BY n`);
  }

  recordNotice(n: NoticeRecord): boolean {
    return this.insNotice.run(n.id, n.report, n.customer, n.draft, n.status, n.draftedAt, n.confirmedAt, n.confirmedBy, n.deliveredAt).changes === 1;
  }

  notice(id: string): NoticeRecord | null {
    return (this.db.prepare(`SELECT ${NOTICE_COLS} FROM notices WHERE id = ?`).get(id) as NoticeRecord | undefined) ?? null;
  }

  noticeOfReport(report: string): NoticeRecord | null {
    return (this.db.prepare(`SELECT ${NOTICE_COLS} FROM notices WHERE report_id = ?`).get(report) as NoticeRecord | undefined) ?? null;
  }

  notices(customer?: string): NoticeRecord[] {
    return (customer === undefined
      ? this.db.prepare(`SELECT ${NOTICE_COLS} FROM notices ORDER BY drafted_at, id`).all()
      : this.db.prepare(`SELECT ${NOTICE_COLS} FROM notices WHERE customer_id = ? ORDER BY drafted_at, id`).all(customer)) as NoticeRecord[];
  }

  confirmNotice(id: string, at: number, by: string, deliveries: readonly StoredDelivery[]): void {
    this.db.transaction(() => {
      const changed = this.db.prepare(`UPDATE notices SET status = 'confirmed', confirmed_at = ?, confirmed_by = ? WHERE id = ? AND status = 'drafted'`).run(at, by, id).changes;
      if (changed !== 1) {
        const n = this.notice(id);
        throw new DcprobeError(n ? E.CONFLICT : E.NOT_FOUND, n ? `notice ${id} is ${n.status}, not drafted` : `unknown notice ${JSON.stringify(id)}`);
      }
      for (const d of deliveries) this.insertDelivery(d);
    }).immediate();
  }

  saveDelivery(d: Delivery): void {
    this.db.transaction(() => {
      this.update(d);
      if (d.status === 'failed' && d.item.kind === 'notice') {
        // The notice failed only once no channel can still deliver it.
        this.db.prepare(`UPDATE notices SET status = 'failed' WHERE id = ? AND status = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM deliveries WHERE item_kind = 'notice' AND item_id = ? AND status <> 'failed')`).run(d.item.id, d.item.id);
      }
    }).immediate();
  }

  deliverNotice(d: Delivery, actor: string): void {
    if (d.status !== 'delivered' || !d.receipt || d.item.kind !== 'notice') {
      throw new DcprobeError(E.VALIDATION, `delivery ${d.id} is not a delivered notice`);
    }
    const receipt = d.receipt;
    this.db.transaction(() => {
      this.update(d);
      const n = this.notice(d.item.id);
      if (!n) throw new DcprobeError(E.NOT_FOUND, `unknown notice ${JSON.stringify(d.item.id)}`);
      if (n.deliveredAt !== null) return; // another channel's receipt came first: that one is the noticeAt
      this.db.prepare(`UPDATE notices SET status = 'delivered', delivered_at = ? WHERE id = ?`).run(receipt.at, n.id);
      const prev = this.ledger.reports.history(n.report).at(-1);
      if (!prev) throw new DcprobeError(E.NOT_FOUND, `unknown report ${JSON.stringify(n.report)}`);
      if (prev.noticeAt !== undefined) return; // the NOC recorded a notice by hand meanwhile: keep theirs
      const { version: _v, change: _c, reason: _r, recordedAt: _a, recordedBy: _b, ...fields } = prev;
      const reason = `restoration notice ${n.id} received (${d.channel} ${receipt.response})`;
      this.ledger.appendReport(
        { ...fields, noticeAt: receipt.at, version: prev.version + 1, change: 'notice', reason, recordedAt: receipt.at, recordedBy: actor },
        {
          at: receipt.at, actor, action: 'notice', entity: 'report', entityId: n.report, version: prev.version + 1,
          detail: { reason, notice: n.id, delivery: d.id, channel: d.channel, target: d.target, attempts: d.attempts },
        },
      );
    }).immediate();
  }

  deliveries(item?: { kind: 'notice' | 'statement'; id: string }): StoredDelivery[] {
    const rows = (item === undefined
      ? this.db.prepare(`SELECT ${DELIVERY_COLS} FROM deliveries WHERE status IN ('pending','sending') ORDER BY created_at, id`).all()
      : this.db.prepare(`SELECT ${DELIVERY_COLS} FROM deliveries WHERE item_kind = ? AND item_id = ? ORDER BY channel`).all(item.kind, item.id)) as DeliveryRow[];
    return rows.map((r) => ({ delivery: this.fromRow(r), content: r.content }));
  }

  recordStatement(s: StatementRecord, deliveries: readonly StoredDelivery[]): void {
    this.db.transaction(() => {
      const exists = this.db.prepare(`SELECT 1 FROM statements WHERE customer_id = ? AND month = ? AND revision = ?`).get(s.customer, s.month, s.revision);
      if (exists) throw new DcprobeError(E.CONFLICT, `statement ${s.customer} ${s.month} revision ${s.revision} already exists`);
      this.db.prepare(`INSERT INTO statements (id, customer_id, month, revision, issued_at, reason) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(s.id, s.customer, s.month, s.revision, s.issuedAt, s.reason);
      const ins = this.db.prepare(`INSERT INTO statement_files (statement_id, name, media_type, sha256, content) VALUES (?, ?, ?, ?, ?)`);
      for (const f of s.files) ins.run(s.id, f.name, f.mediaType, f.sha256, f.content);
      for (const d of deliveries) this.insertDelivery(d);
    }).immediate();
  }

  statements(customer: string, month?: string): StatementRecord[] {
    const rows = this.db.prepare(`SELECT id, customer_id customer, month, revision, issued_at issuedAt, reason FROM statements
      WHERE customer_id = ? AND (? IS NULL OR month = ?) ORDER BY month, revision`).all(customer, month ?? null, month ?? null) as Omit<StatementRecord, 'files'>[];
    const files = this.db.prepare(`SELECT name, media_type mediaType, sha256, content FROM statement_files WHERE statement_id = ? ORDER BY name`);
    return rows.map((r) => ({ ...r, files: files.all(r.id) as StatementRecord['files'] }));
  }

  statementWatermark(): number | null {
    return (this.db.prepare(`SELECT watermark FROM statement_schedule WHERE id = 1`).pluck().get() as number | undefined) ?? null;
  }

  setStatementWatermark(at: number): void {
    this.db.prepare(`INSERT INTO statement_schedule (id, watermark) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET watermark = max(watermark, excluded.watermark)`).run(at);
  }

  private insertDelivery({ delivery: d, content }: StoredDelivery): void {
    this.insDelivery.run(d.id, d.item.kind, d.item.id, d.channel, d.customer, d.target, content, d.createdAt, d.status,
      d.nextAttemptAt, d.receipt?.at ?? null, d.receipt?.response ?? null);
    this.writeAttempts(d);
  }

  private update(d: Delivery): void {
    const changed = this.updDelivery.run(d.status, d.nextAttemptAt, d.receipt?.at ?? null, d.receipt?.response ?? null, d.id).changes;
    if (changed !== 1) throw new DcprobeError(E.NOT_FOUND, `unknown delivery ${JSON.stringify(d.id)}`);
    this.writeAttempts(d);
  }

  private writeAttempts(d: Delivery): void {
    for (const a of d.attempts) this.upsAttempt.run(d.id, a.n, a.startedAt, a.endedAt, a.outcome === null ? null : JSON.stringify(a.outcome));
  }

  private fromRow(r: DeliveryRow): Delivery {
    const attempts = (this.attemptsOf.all(r.id) as AttemptRow[]).map((a): Attempt => ({
      n: a.n, startedAt: a.startedAt, endedAt: a.endedAt, outcome: a.outcome === null ? null : JSON.parse(a.outcome) as AttemptOutcome,
    }));
    return {
      id: r.id, channel: r.channel, customer: r.customer, item: { kind: r.itemKind, id: r.itemId }, target: r.target, createdAt: r.createdAt,
      status: r.status, attempts, nextAttemptAt: r.nextAttemptAt, receipt: r.receiptAt === null ? null : { at: r.receiptAt, response: r.receiptResponse ?? '' },
    };
  }
}
