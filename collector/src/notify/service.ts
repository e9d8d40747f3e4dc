/**
 * Restoration notices in the running collector. Every check interval, each
 * open report of a customer with delivery channels, whose service the
 * measurements show back up for the settling time, gets its drafted notice
 * (notices/draft.ts), stored once per report. The
 * NOC confirms a draft through the API, or the customer's auto-send policy
 * does; confirming stores one delivery per configured channel, and each is
 * run to its end (delivery/run.ts) with every step saved before the next. The
 * first receipt becomes the report's noticeAt in the store's transaction.
 *
 * At start and at every check, deliveries left pending or mid-attempt by a
 * stopped collector are resumed: an open attempt is closed as interrupted and
 * sent again under the same delivery id, which the receiver uses to drop the
 * duplicate.
 *
 * Several collectors on one PostgreSQL store: drafting, sending and resuming
 * are duties that run once, on the leader (Store.isLeader, as the liveness
 * sweep). A notice confirmed through another collector's API is stored with
 * its deliveries there and sent by the leader at its next check; a collector
 * that stops leading stops before its next attempt, and the new leader
 * resumes. The store's unique keys (one notice per report, one delivery per
 * channel) and its conditional confirmation keep a duty that ran twice during
 * a hand-over from writing anything twice.
 */
import { randomInt } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Logger } from 'pino';
import type { NoticesConfig } from '../config.ts';
import { newDelivery } from '../delivery/machine.ts';
import { runDelivery } from '../delivery/run.ts';
import type { Delivery, RetryPolicy } from '../delivery/types.ts';
import type { SlaLedger } from '../ledger/index.ts';
import { toCoreCustomer } from '../ledger/live.ts';
import { toCoreReport, type ReportVersion } from '../ledger/reports.ts';
import { draftNotice, type NoticeDecision, type NoticeDraft } from '../notices/draft.ts';
import type { NoticeRecord, Store, StoredDelivery } from '../store/types.ts';
import { buildChannels, parseContent, retryPolicy, type CustomerChannels } from './channels.ts';

export interface NoticeServiceOptions {
  store: Store;
  sla: SlaLedger;
  config: NoticesConfig;
  log: Logger;
  now: () => number;
  /** Resolves once what was acked so far is readable (the ingest queue's settled). */
  settled: () => Promise<void>;
}

/** The actor the store records for a receipt and for an auto-sent confirmation. */
const DELIVERY_ACTOR = 'delivery';
const AUTO_ACTOR = 'auto-send';

class Closed extends Error {}
/** This collector stopped leading: the delivery is the new leader's to resume. */
class HandedOver extends Closed {}

export class NoticeService {
  private readonly channels: Map<string, CustomerChannels>;
  private readonly policy: RetryPolicy;
  private readonly running = new Map<string, Promise<void>>();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private closed = false;
  /** Deliveries whose channel is no longer configured: warned about once. */
  private readonly unsendable = new Set<string>();

  /** What the API reads notices and deliveries from. */
  get store(): Store { return this.o.store; }

  private constructor(private readonly o: NoticeServiceOptions) {
    this.channels = buildChannels(o.config, o.now);
    this.policy = retryPolicy(o.config);
  }

  /** Builds the channels (a bad one fails here), resumes open deliveries and starts checking. */
  static async start(o: NoticeServiceOptions): Promise<NoticeService> {
    const s = new NoticeService(o);
    await s.resume();
    s.schedule();
    return s;
  }

  private schedule(): void {
    if (this.closed) return;
    this.scanTimer = setTimeout(() => {
      this.scanning = this.scan().then(() => undefined, (e: unknown) => this.o.log.error({ err: e }, 'restoration notice check failed'))
        .finally(() => { this.scanning = undefined; this.schedule(); });
    }, this.o.config.checkIntervalSeconds * 1000);
  }

  /** One check: drafts the notices that are ready, and sends those the customer's policy sends at once. */
  async scan(): Promise<NoticeRecord[]> {
    if (!this.o.store.isLeader()) return [];
    await this.resume();
    await this.o.settled();
    const drafted: NoticeRecord[] = [];
    for (const r of await this.o.sla.reports.list()) {
      if (this.closed) break;
      // Only customers with a delivery channel get drafts: a draft nobody can send would wait (and alert) forever.
      if (!this.channels.has(r.customer) || r.noticeAt !== undefined || (await this.o.store.noticeOfReport(r.id))) continue;
      const decision = await this.decide(r);
      if (decision?.state !== 'ready') continue;
      const n = noticeRecord(r, decision.draft);
      if (!(await this.o.store.recordNotice(n))) continue;
      this.o.log.info({ notice: n.id, report: r.id, customer: r.customer }, 'restoration notice drafted');
      drafted.push(n);
      if (this.channels.get(r.customer)?.autoSend) await this.confirm(n.id, AUTO_ACTOR);
    }
    return drafted;
  }

  /** Runs the open deliveries not running here (left by a stopped collector, or confirmed through another one); the leader's duty. */
  private async resume(): Promise<void> {
    if (!this.o.store.isLeader()) return;
    for (const d of await this.o.store.deliveries()) this.run(d);
  }

  /** What the measurements say about one open report now; null if the customer or service is gone. */
  private async decide(r: ReportVersion): Promise<NoticeDecision | null> {
    const spec = this.o.sla.customers.latest(r.customer)?.spec;
    if (!spec) return null;
    const customer = toCoreCustomer(spec);
    const subjects = r.service === 'network' ? [...(customer.network?.ports ?? []), ...(customer.network?.uplinks ?? [])] : [...(customer.power?.feeds ?? [])];
    if (subjects.length === 0) return null;
    const asOf = this.o.now();
    // Far enough back for every outage the report can be about (the reporting deadline).
    const from = Math.min(r.reportedAt, r.claimedStart ?? Infinity) - customer.terms.reportDeadlineDays * 86_400_000;
    const snap = await this.o.store.readMonth(r.customer, () => ({ subjects, from, asOf }));
    if (!snap) return null;
    const observations = [...snap.observations.values()].flat();
    try {
      return draftNotice({ report: toCoreReport(r), customer, observations, settlingMs: this.o.config.settlingSeconds * 1000, asOf });
    } catch (e) {
      if (e instanceof DcprobeError && e.code === E.VALIDATION) return null;
      throw e;
    }
  }

  /** The NOC's (or the policy's) go: one delivery per channel, stored with the confirmation, then sent. */
  async confirm(id: string, by: string): Promise<NoticeRecord> {
    const n = await this.o.store.notice(id);
    if (!n) throw new DcprobeError(E.NOT_FOUND, `unknown notice ${JSON.stringify(id)}`);
    const ch = this.channels.get(n.customer);
    if (!ch || ch.list.length === 0) throw new DcprobeError(E.VALIDATION, `customer ${n.customer} has no delivery channel (notices.customers in the config)`);
    const draft = JSON.parse(n.draft) as NoticeDraft;
    const spec = this.o.sla.customers.latest(n.customer)?.spec;
    const report = await this.o.sla.reports.latest(n.report);
    const context = { noticeId: n.id, timezone: spec?.timezone ?? 'UTC', customerName: spec?.name, reportText: report.text };
    const at = this.o.now();
    const deliveries: StoredDelivery[] = ch.list.map((c) => ({
      delivery: newDelivery({ id: `D-${n.id}-${c.channel}`, channel: c.channel, customer: n.customer, item: { kind: 'notice', id: n.id }, target: c.target, createdAt: at }),
      content: c.content(draft, context),
    }));
    await this.o.store.confirmNotice(n.id, at, by, deliveries);
    this.o.log.info({ notice: n.id, by, channels: deliveries.map((d) => d.delivery.channel) }, 'restoration notice confirmed');
    for (const d of deliveries) this.run(d);
    return (await this.o.store.notice(n.id))!;
  }

  /** A customer's channels (for a statement's deliveries), or none. */
  channelsOf(customer: string): CustomerChannels['list'] {
    return this.channels.get(customer)?.list ?? [];
  }

  /** Runs one delivery in the background until delivered, failed or the service closes; on the leader only (the leader's next check sends it otherwise). */
  run(s: StoredDelivery): void {
    const d = s.delivery;
    if (this.running.has(d.id) || this.closed || !this.o.store.isLeader()) return;
    const sender = this.channels.get(d.customer)?.list.find((c) => c.channel === d.channel)?.sender;
    if (!sender) {
      if (!this.unsendable.has(d.id)) this.o.log.warn({ delivery: d.id, customer: d.customer, channel: d.channel }, 'delivery channel no longer configured: delivery left pending');
      this.unsendable.add(d.id);
      return;
    }
    const p = runDelivery(d, parseContent(s.content), sender, {
      now: this.o.now, random: () => randomInt(0, 1 << 30) / (1 << 30), policy: this.policy,
      save: (x) => this.save(x), sleepUntil: (t) => this.sleep(t),
    }).then((end) => {
      this.o.log.info({ delivery: end.id, status: end.status, attempts: end.attempts.length }, 'delivery ended');
    }, (e: unknown) => {
      if (e instanceof HandedOver) this.o.log.info({ delivery: d.id }, 'no longer leading: delivery left to the leader');
      else if (!(e instanceof Closed)) this.o.log.error({ err: e, delivery: d.id }, 'delivery stopped');
    }).finally(() => this.running.delete(d.id));
    this.running.set(d.id, p);
  }

  private async save(d: Delivery): Promise<void> {
    if (d.status === 'delivered' && d.item.kind === 'notice') {
      await this.o.store.deliverNotice(d, DELIVERY_ACTOR);
      this.o.sla.recorded(d.customer);
    } else {
      await this.o.store.saveDelivery(d);
    }
    const last = d.attempts.at(-1);
    if (last?.outcome?.kind === 'failure') this.o.log.warn({ delivery: d.id, attempt: last.n, failure: last.outcome.failure, detail: last.outcome.detail }, 'delivery attempt failed');
  }

  /** Waits for an attempt's time; then only the leader makes it. */
  private sleep(at: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(new Closed());
      const wake = () => {
        this.sleeps.delete(entry);
        if (this.o.store.isLeader()) resolve(); else reject(new HandedOver());
      };
      const entry = { timer: setTimeout(wake, Math.max(0, at - this.o.now())), reject };
      this.sleeps.add(entry);
    });
  }

  /** Stops checking and retrying; an attempt in flight ends (bounded by its timeout) and is saved. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.scanTimer);
    for (const s of this.sleeps) { clearTimeout(s.timer); s.reject(new Closed()); }
    this.sleeps.clear();
    await this.scanning;
    await Promise.all(this.running.values());
  }
}

function noticeRecord(r: ReportVersion, d: NoticeDraft): NoticeRecord {
  return {
    id: `N-${r.id}`, report: r.id, customer: r.customer, draft: JSON.stringify(d), status: 'drafted',
    draftedAt: d.draftedAt, confirmedAt: null, confirmedBy: null, deliveredAt: null,
  };
}
