/**
 * The SLA ledger: customers with their history, reports, exclusions, notices,
 * operations the customer authorised (timers only)
 * and the audit trail, all append-only in the store, plus live reconciliation.
 * Listeners hear which customer's data changed (null: every customer, e.g. an
 * exclusion for all), so caches such as the SLA metrics recompute only those.
 */
import type { CustomerConfig } from '../config.ts';
import type { LedgerStore, ObservationReads } from '../store/types.ts';
import { Audit } from './audit.ts';
import { Customers } from './customers.ts';
import { Reports } from './reports.ts';
import { Exclusions } from './exclusions.ts';
import { Operations } from './operations.ts';
import { LiveReconciler } from './live.ts';
import { monthFigures, type MonthsFigures } from './months.ts';
import { PortsView } from './ports.ts';

/** What the ledger reads: its own tables, and ports' changes for the ports view. */
export type LedgerReads = LedgerStore & Pick<ObservationReads, 'portChanges'>;

export type ChangeListener = (customer: string | null) => void;

export class SlaLedger {
  readonly audit: Audit;
  readonly reports: Reports;
  readonly exclusions: Exclusions;
  readonly operations: Operations;
  readonly live: LiveReconciler;
  /** Every customer's month in figures at once (month-end runs). */
  readonly months: { figures(month: string, asOf: number): Promise<MonthsFigures> };
  /** Ports' states with their administrative state, for the API and the report page. */
  readonly ports: PortsView;
  private readonly listeners: ChangeListener[] = [];
  private specs: CustomerConfig[] | undefined;

  private constructor(store: LedgerReads, readonly customers: Customers) {
    this.audit = new Audit(store);
    this.reports = new Reports(store, (c) => this.changed(c));
    this.exclusions = new Exclusions(store, (c) => this.changed(c ?? null));
    this.operations = new Operations(store);
    this.live = new LiveReconciler(store);
    this.months = { figures: (month, asOf) => monthFigures(store, month, asOf) };
    this.ports = new PortsView(store, customers);
  }

  /** Reads the customers' versions, which the ledger keeps in memory. */
  static async open(store: LedgerReads): Promise<SlaLedger> {
    let ledger: SlaLedger | undefined;
    const customers = await Customers.load(store, (c) => ledger?.changed(c));
    ledger = new SlaLedger(store, customers);
    return ledger;
  }

  private changed(c: string | null): void {
    this.specs = undefined;
    for (const l of this.listeners) l(c);
  }

  onChange(l: ChangeListener): void { this.listeners.push(l); }

  /** A report version the store appended itself (a notice's receipt, with its delivery): listeners recompute. */
  recorded(customer: string): void { this.changed(customer); }
  /** Another collector on the same store changed the ledger: customers are read again, and listeners hear it as a change here. */
  async changedElsewhere(c: string | null): Promise<void> {
    await this.customers.reload();
    this.changed(c);
  }

  /** Every customer's latest spec, API-made ones included; the same array until a change. */
  currentCustomers(): readonly CustomerConfig[] {
    return (this.specs ??= this.customers.ids().map((id) => this.customers.latest(id)!.spec));
  }

  /** Config customers at start (see Customers.syncConfig). */
  syncConfig(customers: readonly CustomerConfig[], now: number): Promise<string[]> {
    return this.customers.syncConfig(customers, now);
  }
}
