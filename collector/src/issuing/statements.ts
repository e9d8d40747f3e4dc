/**
 * Month-end statements in the running collector: when a month ends in a
 * customer's time zone (plus a delay for late events), each customer of that
 * zone who had a service during the month gets its statement frozen: the
 * month's input as of that moment, the page rendered to PDF by headless
 * Chromium, the CSV and the sealed scenario export, and the manifest over
 * them, stored with their SHA-256 in one transaction. The store's unique key
 * (customer, month, revision) and the persisted watermark make a restart catch
 * up on months that ended meanwhile and freeze none twice. A later correction
 * never touches a frozen statement (the store refuses it): a change to the
 * ledger that changes a frozen month's result issues revision n+1, which cites
 * revision n, says what changed (the diff of the two results) and why (the
 * corrections recorded since, with their reasons), and goes out like the first.
 *
 * Several collectors on one PostgreSQL store: every one keeps the schedule,
 * but only the leader (Store.isLeader) freezes and revises. Another collector lets a
 * month end pass once the shared watermark shows the leader handled it, and
 * otherwise tries again later, by when it may lead itself (the leader died
 * mid-month-end). Two freezing at once during a hand-over is harmless: the
 * unique (customer, month, revision) lets one statement in, and the other
 * collector takes the refusal as the month being frozen.
 */
import { readFileSync } from 'node:fs';
import { DcprobeError, E, monthBounds } from '@dcprobe/shared';
import type { Logger } from 'pino';
import type { StatementsConfig } from '../config.ts';
import { signerFromPem, type Signer } from '../evidence/keys.ts';
import type { SlaLedger } from '../ledger/index.ts';
import { renderPage } from '../report/page.ts';
import { issueStatement } from '../statements/issue.ts';
import { renderPdf } from '../statements/render-pdf.ts';
import { diffResults } from '../statements/diff.ts';
import { reconcile } from '../sla/reconcile.ts';
import type { ReconcileInput, ReconcileResult } from '../sla/types.ts';
import { correctionsSince, frozenOf, latestRevisions, reportIdsOf } from './revisions.ts';
import { MonthEndScheduler, type MonthEnd } from '../statements/schedule.ts';
import type { Store, StatementRecord, StoredDelivery } from '../store/types.ts';
import { newDelivery } from '../delivery/machine.ts';
import type { NoticeService } from '../notify/service.ts';

export interface StatementServiceOptions {
  store: Store;
  sla: SlaLedger;
  config: StatementsConfig;
  log: Logger;
  now: () => number;
  /** Resolves once what was acked so far is readable (the ingest queue's settled). */
  settled: () => Promise<void>;
  /** The delivery channels (notices.customers): a frozen statement goes out through the customer's. */
  delivery?: NoticeService | undefined;
}

/** A month end left to the leader, not yet handled by it: tried again later. */
class LeftToLeader extends Error {}

export class StatementService {
  private scheduler: MonthEndScheduler | undefined;
  private current: Promise<void> | undefined;
  /** Customers whose ledger changed and whose frozen months are still to be checked; one check runs at a time. */
  private readonly pending = new Set<string>();
  private revising: Promise<void> | undefined;
  private readonly signer: Signer | undefined;

  private constructor(private readonly o: StatementServiceOptions) {
    this.signer = o.config.signingKeyFile === undefined ? undefined : loadSigner(o.config.signingKeyFile);
  }

  get store(): Store { return this.o.store; }

  /** Reads the watermark (at first start: now, so no past month is frozen from a partial record) and starts the schedule. */
  static async start(o: StatementServiceOptions): Promise<StatementService> {
    const s = new StatementService(o);
    let since = await o.store.statementWatermark();
    if (since === null) {
      since = o.now();
      await o.store.setStatementWatermark(since);
    }
    s.scheduler = new MonthEndScheduler({
      clock: { now: o.now },
      timers: { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) },
      timezones: () => o.sla.currentCustomers().map((c) => c.timezone),
      since, delayMs: o.config.delaySeconds * 1000, maxTimerMs: o.config.checkIntervalSeconds * 1000,
      onMonthEnd: (m) => (s.current = s.freezeMonth(m)),
      onError: (e, m) => {
        if (e instanceof LeftToLeader) o.log.info({ month: m.month, timezone: m.timezone }, 'month end left to the leader; looking again later');
        else o.log.error({ err: e, month: m.month, timezone: m.timezone }, 'month-end statements failed; retrying later');
      },
    });
    s.scheduler.start();
    return s;
  }

  /** Freezes the month's statement of every customer of the zone that does not have one yet. */
  async freezeMonth(m: MonthEnd): Promise<void> {
    const handled = m.end + this.o.config.delaySeconds * 1000;
    if (!this.o.store.isLeader()) {
      if (((await this.o.store.statementWatermark()) ?? -Infinity) >= handled) return;
      throw new LeftToLeader(`month ${m.month} (${m.timezone}) not yet handled by the leader`);
    }
    await this.o.settled();
    for (const spec of this.o.sla.currentCustomers()) {
      if (spec.timezone !== m.timezone) continue;
      const inMonth = this.o.sla.customers.tenures(spec.id).filter((t) => t.end > m.start && t.start < m.end);
      if (inMonth.length === 0) continue;
      if ((await this.o.store.statements(spec.id, m.month)).length > 0) continue;
      const issuedAt = this.o.now();
      const s = await this.issue(spec.id, m, 0, await this.o.sla.live.input(spec.id, m.month, issuedAt), issuedAt);
      // Frozen meanwhile by a collector that led a moment ago: that one is the statement.
      if (!(await this.record(s, spec.timezone, spec.name))) continue;
      this.o.log.info({ statement: s.id, customer: spec.id, month: m.month, files: s.files.length }, 'month-end statement frozen');
    }
    await this.o.store.setStatementWatermark(handled);
  }

  /** The ledger changed for a customer (null: for every customer): its frozen months are checked for a revision, in the background. */
  corrected(customer: string | null): void {
    for (const c of customer === null ? this.o.sla.customers.ids() : [customer]) this.pending.add(c);
    this.revising ??= this.drainRevisions().finally(() => { this.revising = undefined; });
  }

  /** Resolves once the checks asked for so far are done (tests, close). */
  async revisionsSettled(): Promise<void> {
    while (this.revising) await this.revising;
  }

  private async drainRevisions(): Promise<void> {
    for (let c = first(this.pending); c !== undefined; c = first(this.pending)) {
      this.pending.delete(c);
      try { await this.reviseCustomer(c); } catch (e) {
        this.o.log.error({ err: e, customer: c }, 'checking frozen statements for a revision failed; the next correction checks again');
      }
    }
  }

  /** Each frozen month whose result the ledger now changes gets the next revision; an unchanged month gets none. */
  private async reviseCustomer(customer: string): Promise<void> {
    const spec = this.o.sla.customers.latest(customer)?.spec;
    // Revisions are issued once per store, by the leader; a follower hears of the change and leaves it.
    if (!spec || !this.o.store.isLeader()) return;
    await this.o.settled();
    for (const latest of latestRevisions(await this.o.store.statements(customer))) {
      const before = frozenOf(latest);
      const issuedAt = this.o.now();
      const input = await this.o.sla.live.input(customer, latest.month, issuedAt);
      const after = reconcile(input);
      if (diffResults(before.result, after).length === 0) continue;
      const bounds = monthBounds(latest.month, spec.timezone);
      const why = await correctionsSince(this.o.sla, customer, latest.issuedAt,
        { reports: new Set([...reportIdsOf(before.result), ...reportIdsOf(after)]), from: bounds.start, to: bounds.end });
      const reason = why.length > 0 ? why.join('; ') : 'measurements recorded after the statement was frozen';
      const s = await this.issue(customer, { month: latest.month, timezone: spec.timezone }, latest.revision + 1, input, issuedAt,
        { statementId: latest.id, manifestDigest: before.manifestDigest, reason, result: before.result });
      if (!(await this.record(s, spec.timezone, spec.name))) continue;
      this.o.log.info({ statement: s.id, customer, month: s.month, revises: latest.id }, 'statement revised');
    }
  }

  /**
   * Stores the statement with its deliveries in one transaction, then sends
   * them. False when the store already holds that (customer, month, revision):
   * another collector, leading a moment ago, issued it, and that one stands.
   */
  private async record(s: StatementRecord, tz: string, name: string | undefined): Promise<boolean> {
    const deliveries = this.deliveriesOf(s, tz, name);
    try {
      await this.o.store.recordStatement(s, deliveries);
    } catch (e) {
      if (e instanceof DcprobeError && e.code === E.CONFLICT) return false;
      throw e;
    }
    for (const d of deliveries) this.o.delivery!.run(d);
    return true;
  }

  /** One delivery per channel of the customer, stored with the statement, sent once it is stored. */
  private deliveriesOf(s: StatementRecord, tz: string, name: string | undefined): StoredDelivery[] {
    const at = this.o.now();
    return (this.o.delivery?.channelsOf(s.customer) ?? []).map((c) => ({
      delivery: newDelivery({ id: `D-${s.id}-${c.channel}`, channel: c.channel, customer: s.customer, item: { kind: 'statement', id: s.id }, target: c.target, createdAt: at }),
      content: c.statement(s, tz, name),
    }));
  }

  private async issue(customer: string, m: Pick<MonthEnd, 'month' | 'timezone'>, revision: number, input: ReconcileInput, issuedAt: number,
    revises?: { statementId: string; manifestDigest: string; reason: string; result: ReconcileResult }): Promise<StatementRecord> {
    const spec = this.o.sla.customers.latest(customer)!.spec;
    const bounds = monthBounds(m.month, m.timezone);
    const reports = await this.o.sla.reports.list(customer);
    const listed = new Set(input.reports.map((r) => r.id));
    const exclusionVersions = await this.o.sla.exclusions.list({ customer, withdrawn: false });
    const issued = await issueStatement({
      customer, customerName: spec.name, month: m.month, input, revision, revises,
      reportTexts: reports.filter((r) => listed.has(r.id) && r.text !== undefined).map((r) => ({ id: r.id, text: r.text! })),
      page: (result) => renderPage({
        customer, name: spec.name, month: m.month, input, result, exclusionVersions, generatedAt: issuedAt,
        tenures: this.o.sla.customers.tenures(customer).filter((t) => t.end > bounds.start && t.start < bounds.end),
      }),
      render: (html) => renderPdf(html, { timeoutMs: this.o.config.renderTimeoutSeconds * 1000 }),
    }, { issuedAt, timezone: m.timezone, issuer: this.o.config.issuer, signer: this.signer });
    return {
      id: issued.statementId, customer, month: m.month, revision, issuedAt, reason: revises?.reason ?? null,
      files: issued.files.map((f) => ({ name: f.name, mediaType: f.mediaType, sha256: f.sha256, content: f.bytes })),
    };
  }

  async close(): Promise<void> {
    this.scheduler?.stop();
    this.pending.clear();
    await this.current?.catch(() => {});
    await this.revisionsSettled();
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const x of set) return x;
  return undefined;
}

/** The signing key, read once at start: a missing or malformed key stops the start, naming the file, never the key. */
function loadSigner(file: string): Signer {
  let pem: string;
  try { pem = readFileSync(file, 'utf8'); } catch (e) {
    throw new DcprobeError(E.CONFIG_INVALID, `statements.signingKeyFile: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try { return signerFromPem(pem); } catch {
    throw new DcprobeError(E.CONFIG_INVALID, `statements.signingKeyFile: ${file} is not a PEM private key`);
  }
}
