/**
 * The SLA ledger: customers with their history, reports, exclusions, notices
 * and the audit trail, all append-only in the store, plus live reconciliation.
 * Listeners hear which customer's data changed (null: every customer, e.g. an
 * exclusion for all), so caches such as the SLA metrics recompute only those.
 */
import type { Db } from '../store/sqlite/db.ts';
import type { CustomerConfig } from '../config.ts';
import { Audit } from './audit.ts';
import { CustomerStore } from './customers.ts';
import { ReportStore } from './reports.ts';
import { ExclusionStore } from './exclusions.ts';
import { LiveReconciler } from './live.ts';

export type ChangeListener = (customer: string | null) => void;

export class SlaLedger {
  readonly audit: Audit;
  readonly customers: CustomerStore;
  readonly reports: ReportStore;
  readonly exclusions: ExclusionStore;
  readonly live: LiveReconciler;
  private readonly listeners: ChangeListener[] = [];

  constructor(readonly db: Db) {
    const changed = (c: string | null) => { this.specs = undefined; for (const l of this.listeners) l(c); };
    this.audit = new Audit(db);
    this.customers = new CustomerStore(db, this.audit, changed);
    this.reports = new ReportStore(db, this.audit, changed);
    this.exclusions = new ExclusionStore(db, this.audit, (c) => changed(c ?? null));
    this.live = new LiveReconciler({ db, customers: this.customers, reports: this.reports, exclusions: this.exclusions });
  }

  onChange(l: ChangeListener): void { this.listeners.push(l); }

  private specs: CustomerConfig[] | undefined;
  /** Every customer's latest spec, API-made ones included; the same array until a change. */
  currentCustomers(): readonly CustomerConfig[] {
    return (this.specs ??= this.customers.ids().map((id) => this.customers.latest(id)!.spec));
  }

  /** Config customers at start (see CustomerStore.syncConfig). */
  syncConfig(customers: readonly CustomerConfig[], now: number): string[] {
    return this.customers.syncConfig(customers, now);
  }
}
