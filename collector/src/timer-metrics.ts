/**
 * The contract's ticket timers and the restoration notices as metrics, per
 * customer (never per report: the label set stays bounded), read at each
 * scrape from the ledger's latest report versions and the store's notices.
 *
 * A report's timers run while the report is open (no restoration notice
 * received as of now): the first response until it is recorded, the
 * resolution until the notice. Once the notice is in, a late or missing first
 * response is history, shown on the report (API, page), not an alert. The
 * written-report timer and the first-feedback timer of authorised operations
 * need times the ledger does not record yet, so they are not exported.
 */
import { reportTimers, type TimerName } from './timers/contract.ts';
import type { SlaLedger } from './ledger/index.ts';
import type { DeliveryStore, NoticeStatus } from './store/types.ts';

const TIMERS = ['firstResponse', 'resolution'] as const satisfies readonly TimerName[];
const NOTICE_STATUSES: readonly NoticeStatus[] = ['drafted', 'confirmed', 'delivered', 'failed'];

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Counts { running: number; overdue: number; nextDue: number | null }

export async function timerMetricsText(sla: SlaLedger, store: DeliveryStore, now: number): Promise<string> {
  const byCustomer = new Map<string, Record<(typeof TIMERS)[number], Counts>>();
  const blank = (): Counts => ({ running: 0, overdue: 0, nextDue: null });
  for (const r of await sla.reports.list()) {
    if (r.noticeAt !== undefined && r.noticeAt <= now) continue;
    const t = reportTimers(r, now);
    const c = byCustomer.get(r.customer) ?? { firstResponse: blank(), resolution: blank() };
    byCustomer.set(r.customer, c);
    for (const name of TIMERS) {
      const s = t[name];
      if (s.stoppedAt !== null) continue;
      if (s.state === 'breached') c[name].overdue++;
      else {
        c[name].running++;
        if (c[name].nextDue === null || s.dueAt < c[name].nextDue) c[name].nextDue = s.dueAt;
      }
    }
  }
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
    '# HELP dcprobe_ticket_timers_running Open reports whose contract timer is running and not yet due.',
    '# TYPE dcprobe_ticket_timers_running gauge', ...running,
    '# HELP dcprobe_ticket_timers_overdue Open reports whose contract timer is still running past its due time.',
    '# TYPE dcprobe_ticket_timers_overdue gauge', ...overdue,
    '# HELP dcprobe_ticket_timer_next_due_timestamp_seconds Earliest due time among the running timers (Unix seconds); absent when none runs.',
    '# TYPE dcprobe_ticket_timer_next_due_timestamp_seconds gauge', ...next,
    '# HELP dcprobe_restoration_notices Restoration notices by status: drafted waits for the NOC, failed gave up delivering.',
    '# TYPE dcprobe_restoration_notices gauge', ...noticeLines,
    '',
  ].join('\n');
}
