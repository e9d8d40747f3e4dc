/**
 * The contract's ticket timers and the restoration notices as metrics, per
 * customer and timer (never per report: the label set stays bounded), read at
 * each scrape from the ledger's latest report and operation versions and the
 * store's notices.
 *
 * A report's timers (first response, written report, resolution) run while
 * the report is open (no restoration notice received as of now), each until
 * its stop is recorded. Once the notice is in, a late or missing first
 * response or written report is history, shown on the report (API, page), not
 * an alert. An authorised operation's first-feedback timer runs until the
 * feedback is recorded; one left unrecorded keeps counting as overdue, which
 * is what an operator must see.
 */
import { operationTimers, reportTimers, type TimerName, type TimerStatus } from './timers/contract.ts';
import type { SlaLedger } from './ledger/index.ts';
import type { DeliveryStore, NoticeStatus } from './store/types.ts';

const TIMERS = ['firstResponse', 'writtenReport', 'resolution', 'firstFeedback'] as const satisfies readonly TimerName[];
const NOTICE_STATUSES: readonly NoticeStatus[] = ['drafted', 'confirmed', 'delivered', 'failed'];

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Counts { running: number; overdue: number; nextDue: number | null }

type PerTimer = Record<(typeof TIMERS)[number], Counts>;

/** Counts a running timer (stopped ones are not counted: they are history). */
function count(c: Counts, s: TimerStatus): void {
  if (s.stoppedAt !== null) return;
  if (s.state === 'breached') c.overdue++;
  else {
    c.running++;
    if (c.nextDue === null || s.dueAt < c.nextDue) c.nextDue = s.dueAt;
  }
}

export async function timerMetricsText(sla: SlaLedger, store: DeliveryStore, now: number): Promise<string> {
  const byCustomer = new Map<string, PerTimer>();
  const blank = (): Counts => ({ running: 0, overdue: 0, nextDue: null });
  const of = (customer: string): PerTimer => {
    let c = byCustomer.get(customer);
    if (!c) byCustomer.set(customer, c = { firstResponse: blank(), writtenReport: blank(), resolution: blank(), firstFeedback: blank() });
    return c;
  };
  for (const r of await sla.reports.list()) {
    if (r.noticeAt !== undefined && r.noticeAt <= now) continue;
    const t = reportTimers(r, now), c = of(r.customer);
    for (const name of ['firstResponse', 'writtenReport', 'resolution'] as const) count(c[name], t[name]);
  }
  for (const o of await sla.operations.list()) count(of(o.customer).firstFeedback, operationTimers(o, now).firstFeedback);
  const notices = new Map<string, Map<NoticeStatus, number>>();
  for (const n of await store.notices()) {
    const m = notices.get(n.customer) ?? new Map<NoticeStatus, number>();
    notices.set(n.customer, m);
    m.set(n.status, (m.get(n.status) ?? 0) + 1);
  }

  const running: string[] = [], overdue: string[] = [], next: string[] = [], noticeLines: string[] = [];
  for (const [customer, c] of [...byCustomer].sort(([a], [b]) => a.localeCompare(b))) {
    for (const name of TIMERS) {
      const l = `{customer="${label(customer)}",timer="${name}"}`;
      running.push(`dcprobe_ticket_timers_running${l} ${c[name].running}`);
      overdue.push(`dcprobe_ticket_timers_overdue${l} ${c[name].overdue}`);
      if (c[name].nextDue !== null) next.push(`dcprobe_ticket_timer_next_due_timestamp_seconds${l} ${c[name].nextDue / 1000}`);
    }
  }
  for (const [customer, m] of [...notices].sort(([a], [b]) => a.localeCompare(b))) {
    for (const s of NOTICE_STATUSES) noticeLines.push(`dcprobe_restoration_notices{customer="${label(customer)}",status="${s}"} ${m.get(s) ?? 0}`);
  }
  return [
    '# HELP dcprobe_ticket_timers_running Open reports (timer firstFeedback: authorised operations) whose contract timer is running and not yet due.',
    '# TYPE dcprobe_ticket_timers_running gauge', ...running,
    '# HELP dcprobe_ticket_timers_overdue Open reports (timer firstFeedback: authorised operations) whose contract timer is still running past its due time.',
    '# TYPE dcprobe_ticket_timers_overdue gauge', ...overdue,
    '# HELP dcprobe_ticket_timer_next_due_timestamp_seconds Earliest due time among the running timers (Unix seconds); absent when none runs.',
    '# TYPE dcprobe_ticket_timer_next_due_timestamp_seconds gauge', ...next,
    '# HELP dcprobe_restoration_notices Restoration notices by status: drafted waits for the NOC, failed gave up delivering.',
    '# TYPE dcprobe_restoration_notices gauge', ...noticeLines,
    '',
  ].join('\n');
}
