/**
 * Month-end statements in the running collector: when a month ends in a
 * customer's time zone (plus a delay for late events), each customer of that
 * zone who had a service during the month gets its statement frozen: the
 * month's input as of that moment, the page rendered to PDF by headless
 * Chromium, the CSV and the sealed scenario export, and the manifest over
 * them, stored with their SHA-256 in one transaction. The store's unique key
 * (customer, month, revision) and the persisted watermark make a restart catch
 * up on months that ended meanwhile and freeze none twice. A later correction
 * never touches a frozen statement (the store refuses it): it is a revision.
 *
 * Several collectors on one PostgreSQL store: every one keeps the schedule,
 * but only the leader (Store.isLeader) freezes. Another collector lets a
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
      const s = await this.issue(spec.id, m);
      const deliveries = this.deliveriesOf(s, spec.timezone, spec.name);
      try {
        await this.o.store.recordStatement(s, deliveries);
      } catch (e) {
        // Frozen meanwhile by a collector that led a moment ago: that one is the statement.
        if (e instanceof DcprobeError && e.code === E.CONFLICT) continue;
        throw e;
      }
      for (const d of deliveries) this.o.delivery!.run(d);
      this.o.log.info({ statement: s.id, customer: spec.id, month: m.month, files: s.files.length }, 'month-end statement frozen');
    }
    await this.o.store.setStatementWatermark(handled);
  }

  /** One delivery per channel of the customer, stored with the statement, sent once it is stored. */
  private deliveriesOf(s: StatementRecord, tz: string, name: string | undefined): StoredDelivery[] {
    const at = this.o.now();
    return (this.o.delivery?.channelsOf(s.customer) ?? []).map((c) => ({
      delivery: newDelivery({ id: `D-${s.id}-${c.channel}`, channel: c.channel, customer: s.customer, item: { kind: 'statement', id: s.id }, target: c.target, createdAt: at }),
      content: c.statement(s, tz, name),
    }));
  }

  private async issue(customer: string, m: MonthEnd): Promise<StatementRecord> {
    const issuedAt = this.o.now();
    const spec = this.o.sla.customers.latest(customer)!.spec;
    const input = await this.o.sla.live.input(customer, m.month, issuedAt);
    const bounds = monthBounds(m.month, m.timezone);
    const reports = await this.o.sla.reports.list(customer);
    const listed = new Set(input.reports.map((r) => r.id));
    const exclusionVersions = await this.o.sla.exclusions.list({ customer, withdrawn: false });
    const issued = await issueStatement({
      customer, customerName: spec.name, month: m.month, input, revision: 0,
      reportTexts: reports.filter((r) => listed.has(r.id) && r.text !== undefined).map((r) => ({ id: r.id, text: r.text! })),
      page: (result) => renderPage({
        customer, name: spec.name, month: m.month, input, result, exclusionVersions, generatedAt: issuedAt,
        tenures: this.o.sla.customers.tenures(customer).filter((t) => t.end > bounds.start && t.start < bounds.end),
      }),
      render: (html) => renderPdf(html, { timeoutMs: this.o.config.renderTimeoutSeconds * 1000 }),
    }, { issuedAt, timezone: m.timezone, issuer: this.o.config.issuer, signer: this.signer });
    return {
      id: issued.statementId, customer, month: m.month, revision: 0, issuedAt, reason: null,
      files: issued.files.map((f) => ({ name: f.name, mediaType: f.mediaType, sha256: f.sha256, content: f.bytes })),
    };
  }

  async close(): Promise<void> {
    this.scheduler?.stop();
    await this.current?.catch(() => {});
  }
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
