/**
 * Notices, deliveries and statements on PostgreSQL (migration 4), as the
 * SQLite store keeps them (store/sqlite/deliveries.ts): every method one
 * transaction, and the same unique keys (one notice per report, one delivery
 * per item and channel, one attempt per number, one statement per customer,
 * month and revision), so a call repeated after a restart, or made by two
 * collectors at once, writes nothing twice. A notice delivery's receipt
 * appends the report's notice version in the transaction that saves it.
 *
 * What SQLite gets from one writer at a time is asked for here: a delivery
 * of a notice locks the notice's row first, so two channels settling at once
 * on two collectors see each other (the notice fails only once both failed;
 * only the first receipt becomes the noticeAt).
 */
import type pg from 'pg';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Attempt, AttemptOutcome, Channel, Delivery, DeliveryStatus } from '../../delivery/types.ts';
import type { NoticeRecord, StatementRecord, StoredDelivery } from '../types.ts';
import type { LedgerTables } from './ledger.ts';
import type { Queryable } from './migrations.ts';
import { inTransaction } from './tx.ts';

interface DeliveryRow {
  id: string; itemKind: 'notice' | 'statement'; itemId: string; channel: Channel; customer: string; target: string;
  content: string; createdAt: number; status: DeliveryStatus; nextAttemptAt: number | null; receiptAt: number | null; receiptResponse: string | null;
}
interface AttemptRow { deliveryId: string; n: number; startedAt: number; endedAt: number | null; outcome: string | null }

const NOTICE_COLS = `id, report_id report, customer_id customer, draft, status, drafted_at "draftedAt", confirmed_at "confirmedAt",
  confirmed_by "confirmedBy", delivered_at "deliveredAt"`;
const DELIVERY_COLS = `id, item_kind "itemKind", item_id "itemId", channel, customer_id customer, target, content, created_at "createdAt",
  status, next_attempt_at "nextAttemptAt", receipt_at "receiptAt", receipt_response "receiptResponse"`;
/** Text ordered by bytes, as SQLite orders it, whatever the database's collation. */
const C = 'COLLATE "C"';

/** A notice's receipt racing a report correction through another collector's API retries this often. */
const RECEIPT_TRIES = 3;

export class DeliveryTables {
  constructor(private readonly pool: pg.Pool, private readonly ledger: LedgerTables) {}

  async recordNotice(n: NoticeRecord): Promise<boolean> {
    const r = await this.pool.query(`INSERT INTO notices (id, report_id, customer_id, draft, status, drafted_at, confirmed_at, confirmed_by, delivered_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (report_id) DO NOTHING`,
    [n.id, n.report, n.customer, n.draft, n.status, n.draftedAt, n.confirmedAt, n.confirmedBy, n.deliveredAt]);
    return r.rowCount === 1;
  }

  notice(id: string, db: Queryable = this.pool): Promise<NoticeRecord | null> {
    return this.oneNotice(db, `SELECT ${NOTICE_COLS} FROM notices WHERE id = $1`, [id]);
  }

  noticeOfReport(report: string): Promise<NoticeRecord | null> {
    return this.oneNotice(this.pool, `SELECT ${NOTICE_COLS} FROM notices WHERE report_id = $1`, [report]);
  }

  async notices(customer?: string): Promise<NoticeRecord[]> {
    const r = await this.pool.query<NoticeRecord>(`SELECT ${NOTICE_COLS} FROM notices WHERE $1::text IS NULL OR customer_id = $1
      ORDER BY drafted_at, id ${C}`, [customer ?? null]);
    return r.rows;
  }

  async confirmNotice(id: string, at: number, by: string, deliveries: readonly StoredDelivery[]): Promise<void> {
    await inTransaction(this.pool, `confirmation of notice ${id}`, async (c) => {
      // Conditional: of two confirmations at once (two collectors' APIs), one changes the row, the other finds it confirmed.
      const changed = await c.query(`UPDATE notices SET status = 'confirmed', confirmed_at = $1, confirmed_by = $2 WHERE id = $3 AND status = 'drafted'`, [at, by, id]);
      if (changed.rowCount !== 1) {
        const n = await this.notice(id, c);
        throw new DcprobeError(n ? E.CONFLICT : E.NOT_FOUND, n ? `notice ${id} is ${n.status}, not drafted` : `unknown notice ${JSON.stringify(id)}`);
      }
      for (const d of deliveries) await insertDelivery(c, d);
    });
  }

  async saveDelivery(d: Delivery): Promise<void> {
    await inTransaction(this.pool, `save of delivery ${d.id}`, async (c) => {
      if (d.item.kind === 'notice') await c.query('SELECT 1 FROM notices WHERE id = $1 FOR UPDATE', [d.item.id]);
      await update(c, d);
      if (d.status === 'failed' && d.item.kind === 'notice') {
        // The notice failed only once no channel can still deliver it.
        await c.query(`UPDATE notices SET status = 'failed' WHERE id = $1 AND status = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM deliveries WHERE item_kind = 'notice' AND item_id = $1 AND status <> 'failed')`, [d.item.id]);
      }
    });
  }

  async deliverNotice(d: Delivery, actor: string): Promise<void> {
    if (d.status !== 'delivered' || !d.receipt || d.item.kind !== 'notice') {
      throw new DcprobeError(E.VALIDATION, `delivery ${d.id} is not a delivered notice`);
    }
    for (let tries = 1; ; tries++) {
      try {
        return await inTransaction(this.pool, `receipt of delivery ${d.id}`, (c) => this.receiptIn(c, d, actor));
      } catch (e) {
        // The report got a version meanwhile (a correction through another collector): read it again and append after it.
        if (!(e instanceof DcprobeError && e.code === E.CONFLICT) || tries === RECEIPT_TRIES) throw e;
      }
    }
  }

  async deliveries(item?: { kind: 'notice' | 'statement'; id: string }): Promise<StoredDelivery[]> {
    const r = item === undefined
      ? await this.pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLS} FROM deliveries WHERE status IN ('pending','sending') ORDER BY created_at, id ${C}`)
      : await this.pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLS} FROM deliveries WHERE item_kind = $1 AND item_id = $2 ORDER BY channel ${C}`, [item.kind, item.id]);
    const attempts = await this.attemptsOf(r.rows.map((x) => x.id));
    return r.rows.map((x) => ({ delivery: fromRow(x, attempts.get(x.id) ?? []), content: x.content }));
  }

  async recordStatement(s: StatementRecord, deliveries: readonly StoredDelivery[]): Promise<void> {
    await inTransaction(this.pool, `statement ${s.id}`, async (c) => {
      // Two collectors freezing the same month at once: the unique key lets one in and the other gets E.CONFLICT, as a repeat does.
      const r = await c.query(`INSERT INTO statements (id, customer_id, month, revision, issued_at, reason) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (customer_id, month, revision) DO NOTHING`, [s.id, s.customer, s.month, s.revision, s.issuedAt, s.reason]);
      if (r.rowCount !== 1) throw new DcprobeError(E.CONFLICT, `statement ${s.customer} ${s.month} revision ${s.revision} already exists`);
      for (const f of s.files) {
        await c.query(`INSERT INTO statement_files (statement_id, name, media_type, sha256, content) VALUES ($1, $2, $3, $4, $5)`,
          [s.id, f.name, f.mediaType, f.sha256, f.content]);
      }
      for (const d of deliveries) await insertDelivery(c, d);
    });
  }

  async statements(customer: string, month?: string): Promise<StatementRecord[]> {
    const r = await this.pool.query<Omit<StatementRecord, 'files'>>(`SELECT id, customer_id customer, month, revision, issued_at "issuedAt", reason
      FROM statements WHERE customer_id = $1 AND ($2::text IS NULL OR month = $2) ORDER BY month ${C}, revision`, [customer, month ?? null]);
    const f = await this.pool.query<StatementRecord['files'][number] & { id: string }>(`SELECT statement_id id, name, media_type "mediaType", sha256, content
      FROM statement_files WHERE statement_id = ANY($1) ORDER BY name ${C}`, [r.rows.map((x) => x.id)]);
    return r.rows.map((x) => ({ ...x, files: f.rows.filter((y) => y.id === x.id).map(({ id: _id, ...file }) => file) }));
  }

  async statementWatermark(): Promise<number | null> {
    const r = await this.pool.query<{ watermark: number }>('SELECT watermark FROM statement_schedule WHERE id = 1');
    return r.rows[0]?.watermark ?? null;
  }

  /** Never moves back: of two collectors' schedules, the one further on wins. */
  async setStatementWatermark(at: number): Promise<void> {
    await this.pool.query(`INSERT INTO statement_schedule (id, watermark) VALUES (1, $1)
      ON CONFLICT (id) DO UPDATE SET watermark = greatest(statement_schedule.watermark, excluded.watermark)`, [at]);
  }

  /** deliverNotice's transaction: the delivery saved; at the notice's first receipt, its noticeAt appended to the report. */
  private async receiptIn(c: pg.PoolClient, d: Delivery, actor: string): Promise<void> {
    const receipt = d.receipt!;
    const n = await this.oneNotice(c, `SELECT ${NOTICE_COLS} FROM notices WHERE id = $1 FOR UPDATE`, [d.item.id]);
    await update(c, d);
    if (!n) throw new DcprobeError(E.NOT_FOUND, `unknown notice ${JSON.stringify(d.item.id)}`);
    if (n.deliveredAt !== null) return; // another channel's receipt came first: that one is the noticeAt
    await c.query(`UPDATE notices SET status = 'delivered', delivered_at = $1 WHERE id = $2`, [receipt.at, n.id]);
    const prev = (await this.ledger.reports.history(c, n.report)).at(-1);
    if (!prev) throw new DcprobeError(E.NOT_FOUND, `unknown report ${JSON.stringify(n.report)}`);
    if (prev.noticeAt !== undefined) return; // the NOC recorded a notice by hand meanwhile: keep theirs
    const { version: _v, change: _c, reason: _r, recordedAt: _a, recordedBy: _b, ...fields } = prev;
    const reason = `restoration notice ${n.id} received (${d.channel} ${receipt.response})`;
    await this.ledger.appendReportIn(c,
      { ...fields, noticeAt: receipt.at, version: prev.version + 1, change: 'notice', reason, recordedAt: receipt.at, recordedBy: actor },
      {
        at: receipt.at, actor, action: 'notice', entity: 'report', entityId: n.report, version: prev.version + 1,
        detail: { reason, notice: n.id, delivery: d.id, channel: d.channel, target: d.target, attempts: d.attempts },
      });
  }

  private async oneNotice(db: Queryable, sql: string, values: unknown[]): Promise<NoticeRecord | null> {
    return (await db.query<NoticeRecord>(sql, values)).rows[0] ?? null;
  }

  private async attemptsOf(ids: readonly string[]): Promise<Map<string, Attempt[]>> {
    const out = new Map<string, Attempt[]>();
    if (ids.length === 0) return out;
    const r = await this.pool.query<AttemptRow>(`SELECT delivery_id "deliveryId", n, started_at "startedAt", ended_at "endedAt", outcome
      FROM delivery_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, n`, [ids]);
    for (const a of r.rows) {
      let list = out.get(a.deliveryId);
      if (!list) out.set(a.deliveryId, (list = []));
      list.push({ n: a.n, startedAt: a.startedAt, endedAt: a.endedAt, outcome: a.outcome === null ? null : JSON.parse(a.outcome) as AttemptOutcome });
    }
    return out;
  }
}

async function insertDelivery(c: Queryable, { delivery: d, content }: StoredDelivery): Promise<void> {
  await c.query(`INSERT INTO deliveries (id, item_kind, item_id, channel, customer_id, target, content, created_at, status,
    next_attempt_at, receipt_at, receipt_response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
  [d.id, d.item.kind, d.item.id, d.channel, d.customer, d.target, content, d.createdAt, d.status,
    d.nextAttemptAt, d.receipt?.at ?? null, d.receipt?.response ?? null]);
  await writeAttempts(c, d);
}

async function update(c: Queryable, d: Delivery): Promise<void> {
  const r = await c.query(`UPDATE deliveries SET status = $1, next_attempt_at = $2, receipt_at = $3, receipt_response = $4 WHERE id = $5`,
    [d.status, d.nextAttemptAt, d.receipt?.at ?? null, d.receipt?.response ?? null, d.id]);
  if (r.rowCount !== 1) throw new DcprobeError(E.NOT_FOUND, `unknown delivery ${JSON.stringify(d.id)}`);
  await writeAttempts(c, d);
}

async function writeAttempts(c: Queryable, d: Delivery): Promise<void> {
  for (const a of d.attempts) {
    await c.query(`INSERT INTO delivery_attempts (delivery_id, n, started_at, ended_at, outcome) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (delivery_id, n) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome`,
    [d.id, a.n, a.startedAt, a.endedAt, a.outcome === null ? null : JSON.stringify(a.outcome)]);
  }
}

function fromRow(r: DeliveryRow, attempts: Attempt[]): Delivery {
  return {
    id: r.id, channel: r.channel, customer: r.customer, item: { kind: r.itemKind, id: r.itemId }, target: r.target, createdAt: r.createdAt,
    status: r.status, attempts, nextAttemptAt: r.nextAttemptAt, receipt: r.receiptAt === null ? null : { at: r.receiptAt, response: r.receiptResponse ?? '' },
  };
}
