/**
 * SLA metrics for the current month, per customer and service, from the same
 * live reconciliation as the API. A scrape must stay fast with 10,000 customers,
 * so each customer's lines are rendered once and cached; a customer is
 * recomputed only when
 *  - its ledger data changed (customer version, report, notice, exclusion),
 *  - a subject it has (had) got a new observation (the store's
 *    `observedSince`, one query per scrape),
 *  - its month rolled over, or the earliest report deadline it exports passed, or
 *  - its figures move with the clock (an open report, an outage or a gap still
 *    open, coverage unknown) and its cache is older than `ttlMs`, or
 *  - its only moving figure is a coverage below 1 with no gap open (the
 *    month's, or the coverage window's), and the clock has moved enough to
 *    change that coverage by more than `coverageTolerance`. Such a coverage only drifts up, by at most
 *    (1 − coverage) × age ÷ time elapsed in the month, so late in a month it
 *    stays right for hours. Without this rule almost every customer counted
 *    as volatile (one unknown stretch is enough), and 10,000 of them asked for
 *    10,000 recomputations a minute against the ~500 the budget allows.
 *    The SLA metrics then lagged by ~20 min (bench/sla.ts).
 * Recomputation at a scrape stops after `budgetMs`; the rest waits for the next
 * scrape (`dcprobe_sla_metrics_pending_customers` says how many). No month label:
 * the series always mean "this month so far", so they do not churn each month.
 */
import { monthBounds, monthOf } from '@dcprobe/shared';
import type { ObservationReads } from './store/types.ts';
import type { SlaLedger } from './ledger/index.ts';
import type { ServiceResult } from './sla/types.ts';
import { coverageWindow, nextUnreportedDeadline } from './sla-window.ts';

const FAMILIES = [
  ['dcprobe_sla_countable_seconds', 'Outage seconds the contract counts this month (union of the reports\' countable windows, after exclusions).'],
  ['dcprobe_sla_allowed_seconds', 'Outage seconds the target allows this month.'],
  ['dcprobe_sla_budget_remaining_seconds', 'Allowed minus countable seconds this month; negative once breached.'],
  ['dcprobe_sla_breached', '1 when this month\'s countable time breaches the target (the fee is waived), else 0.'],
  ['dcprobe_sla_unreported_outages', 'Measured outages this month that no customer report matches.'],
  ['dcprobe_sla_coverage_ratio', 'Share of this month so far in which the service state was measured; absent before the month starts.'],
  ['dcprobe_sla_coverage_window_ratio', 'Share of the coverage window in which the service state was measured; the window starts at the latest of the month start, the customer\'s tenure with the service and its first measurement. Absent while the customer lacks the service.'],
  ['dcprobe_sla_unreported_deadline_timestamp_seconds', 'Earliest report deadline among this month\'s measured outages that no report matches yet and that can still be reported (Unix seconds); absent when none.'],
  ['dcprobe_network_service_connected', 'Customer network service now: 1 connected, 0 down; absent while unknown.'],
  ['dcprobe_power_service_powered', 'Customer power service now: 1 powered, 0 off; absent while unknown.'],
] as const;
type Family = (typeof FAMILIES)[number][0];

/**
 * `volatile`: moves with the clock, recompute after the TTL. `drift`: the
 * largest (1 − coverage) ÷ elapsed of its services (per ms) when that is all
 * that moves, else 0. `expires`: the earliest report deadline exported, when
 * the next one (or none) takes its place.
 */
interface Entry { month: string; at: number; volatile: boolean; drift: number; expires: number; lines: Partial<Record<Family, string>> }

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface SlaMetricsOptions { ttlMs?: number; budgetMs?: number; coverageTolerance?: number }

export class SlaMetrics {
  private readonly cache = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private readonly bySubject = new Map<string, Set<string>>();
  private readonly subjectsOf = new Map<string, string[]>();
  private mark = 0;
  private readonly ttlMs: number;
  private readonly budgetMs: number;
  private readonly coverageTolerance: number;
  lastScrape = { computed: 0, ms: 0 };

  private constructor(private readonly sla: SlaLedger, private readonly store: ObservationReads, private readonly now: () => number, opts: SlaMetricsOptions) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.budgetMs = opts.budgetMs ?? 250;
    this.coverageTolerance = opts.coverageTolerance ?? 1e-4;
    for (const id of sla.customers.ids()) this.index(id);
    sla.onChange((c) => {
      if (c === null) { for (const id of this.sla.customers.ids()) this.dirty.add(id); return; }
      this.index(c);
      this.dirty.add(c);
    });
  }

  /** SLA metrics from now on: observations already stored are in every first computation. */
  static async open(sla: SlaLedger, store: ObservationReads, now: () => number, opts: SlaMetricsOptions = {}): Promise<SlaMetrics> {
    const m = new SlaMetrics(sla, store, now, opts);
    m.mark = (await store.observedSince(null)).mark;
    return m;
  }

  /** subject → customers that had it in any version, so a new observation finds whom it concerns. */
  private index(id: string): void {
    for (const s of this.subjectsOf.get(id) ?? []) this.bySubject.get(s)?.delete(id);
    const subjects = [...new Set(this.sla.customers.history(id).flatMap((v) => [
      ...(v.spec.network?.ports ?? []), ...(v.spec.network?.uplinks ?? []), ...(v.spec.power?.feeds ?? [])]))];
    this.subjectsOf.set(id, subjects);
    for (const s of subjects) {
      let set = this.bySubject.get(s);
      if (!set) { set = new Set(); this.bySubject.set(s, set); }
      set.add(id);
    }
    if (!this.cache.has(id)) this.dirty.add(id);
  }

  private async noteObservations(): Promise<void> {
    const { mark, subjects } = await this.store.observedSince(this.mark);
    for (const s of subjects) for (const c of this.bySubject.get(s) ?? []) this.dirty.add(c);
    this.mark = mark;
  }

  private async compute(id: string, now: number): Promise<void> {
    const tz = this.sla.customers.latest(id)!.spec.timezone;
    const month = monthOf(now, tz);
    const services = (await this.sla.live.result(id, month, now)).customers[0]?.services ?? {};
    const lines: Partial<Record<Family, string>> = {};
    const add = (f: Family, labels: string, v: number) => { lines[f] = (lines[f] ?? '') + `${f}{${labels}} ${v}\n`; };
    let volatile = false, drift = 0, expires = Infinity;
    const { start } = monthBounds(month, tz);
    const history = this.sla.customers.history(id);
    const tenures = this.sla.customers.tenures(id);
    for (const service of ['network', 'power'] as const) {
      const s: ServiceResult | undefined = services[service];
      if (!s) continue;
      const l = `customer="${label(id)}",service="${service}"`;
      add('dcprobe_sla_countable_seconds', l, s.countableSeconds);
      add('dcprobe_sla_allowed_seconds', l, s.allowedSeconds);
      add('dcprobe_sla_budget_remaining_seconds', l, Math.round((s.allowedSeconds - s.countableSeconds) * 1000) / 1000);
      add('dcprobe_sla_breached', l, s.breached ? 1 : 0);
      add('dcprobe_sla_unreported_outages', l, s.unreported.length);
      if (s.coverage !== null) add('dcprobe_sla_coverage_ratio', l, s.coverage);
      const w = coverageWindow(s, service, history, tenures, start, now);
      // A window that has just opened has nothing unmeasured yet.
      const windowRatio = w && now > w.start ? 1 - w.unmeasuredMs / (now - w.start) : w ? 1 : null;
      if (windowRatio !== null) add('dcprobe_sla_coverage_window_ratio', l, windowRatio);
      const deadline = nextUnreportedDeadline(s, now);
      if (deadline !== null) {
        add('dcprobe_sla_unreported_deadline_timestamp_seconds', l, deadline / 1000);
        expires = Math.min(expires, deadline);
      }
      const down = s.incidents.some((o) => o.end === null);
      const unknown = !down && s.gaps.some((g) => g.end === null);
      if (!unknown) add(service === 'network' ? 'dcprobe_network_service_connected' : 'dcprobe_power_service_powered', `customer="${label(id)}"`, down ? 0 : 1);
      volatile ||= down || unknown || s.reports.some((r) => r.open) || s.coverage === null;
      if (s.coverage !== null && s.coverage < 1 && now > start) drift = Math.max(drift, (1 - s.coverage) / (now - start));
      // The window's share drifts the same way, over the window instead of the month.
      if (w && windowRatio !== null && windowRatio < 1 && now > w.start) drift = Math.max(drift, (1 - windowRatio) / (now - w.start));
    }
    this.cache.set(id, { month, at: now, volatile, drift: volatile ? 0 : drift, expires, lines });
  }

  /** Which customers to recompute, most urgent first: changed, never computed, new month, then stale volatile ones. */
  private queue(now: number): string[] {
    const stale: [string, number][] = [];
    const months = new Map<string, string>(); // one Intl call per zone, not per customer
    const monthIn = (tz: string) => { let m = months.get(tz); if (!m) { m = monthOf(now, tz); months.set(tz, m); } return m; };
    for (const id of this.sla.customers.ids()) {
      if (this.dirty.has(id)) continue;
      const e = this.cache.get(id);
      if (!e) { this.dirty.add(id); continue; }
      if (e.month !== monthIn(this.sla.customers.latest(id)!.spec.timezone) || now >= e.expires) this.dirty.add(id);
      else if (now - e.at >= this.ttlMs && (e.volatile || e.drift * (now - e.at) > this.coverageTolerance)) stale.push([id, e.at]);
    }
    stale.sort((a, b) => a[1] - b[1]);
    return [...this.dirty, ...stale.map(([id]) => id)];
  }

  /** Refreshes what is due within the time budget, then renders every cached customer. */
  async text(): Promise<string> {
    const t0 = performance.now();
    const now = this.now();
    await this.noteObservations();
    const due = this.queue(now);
    let computed = 0;
    for (const id of due) {
      if (performance.now() - t0 > this.budgetMs) break;
      this.dirty.delete(id); // first: a change while it computes marks it again
      await this.compute(id, now);
      computed++;
    }
    let out = '';
    for (const [name, help] of FAMILIES) {
      out += `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
      for (const e of this.cache.values()) out += e.lines[name] ?? '';
    }
    out += '# HELP dcprobe_sla_metrics_pending_customers Customers whose SLA metrics wait for recomputation (changed or stale) after this scrape.\n'
      + `# TYPE dcprobe_sla_metrics_pending_customers gauge\ndcprobe_sla_metrics_pending_customers ${due.length - computed}\n`;
    this.lastScrape = { computed, ms: performance.now() - t0 };
    return out;
  }
}
