/**
 * The contract's ticket timers as metrics, per customer: running and not yet
 * due with the earliest due time, overdue once running past it, and gone once
 * the restoration notice is received; restoration notices counted by status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, startApi, stopApi, type ApiEnv } from '../../support/api-harness.ts';

const T = Date.UTC(2026, 10, 5, 8, 0, 0);
const H = 3_600_000;
let env: ApiEnv | undefined;
afterEach(async () => { if (env) await stopApi(env); env = undefined; });

const timerLines = async (e: ApiEnv) => (await e.c.metricsText()).split('\n').filter((l) => /^dcprobe_(ticket_timer|restoration_notices)/.test(l));

describe('ticket timer metrics', () => {
  it('counts running timers with their next due time, then overdue ones, and drops them at the notice', async () => {
    env = await startApi(T);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await call(env, 'POST', '/api/v1/reports', { body: { id: 'R-1', customer: 'cust-a', service: 'network', reportedAt: iso(T) } })).status).toBe(201);

    env.clock.now = T + H;
    expect(await timerLines(env)).toEqual([
      'dcprobe_ticket_timers_running{customer="cust-a",timer="firstResponse"} 1',
      'dcprobe_ticket_timers_running{customer="cust-a",timer="writtenReport"} 1',
      'dcprobe_ticket_timers_running{customer="cust-a",timer="resolution"} 1',
      'dcprobe_ticket_timers_running{customer="cust-a",timer="firstFeedback"} 0',
      'dcprobe_ticket_timers_overdue{customer="cust-a",timer="firstResponse"} 0',
      'dcprobe_ticket_timers_overdue{customer="cust-a",timer="writtenReport"} 0',
      'dcprobe_ticket_timers_overdue{customer="cust-a",timer="resolution"} 0',
      'dcprobe_ticket_timers_overdue{customer="cust-a",timer="firstFeedback"} 0',
      `dcprobe_ticket_timer_next_due_timestamp_seconds{customer="cust-a",timer="firstResponse"} ${(T + 2 * H) / 1000}`,
      `dcprobe_ticket_timer_next_due_timestamp_seconds{customer="cust-a",timer="writtenReport"} ${(T + 4 * H) / 1000}`,
      `dcprobe_ticket_timer_next_due_timestamp_seconds{customer="cust-a",timer="resolution"} ${(T + 15 * 24 * H) / 1000}`,
    ]);

    env.clock.now = T + 3 * H;
    const late = await timerLines(env);
    expect(late).toContain('dcprobe_ticket_timers_overdue{customer="cust-a",timer="firstResponse"} 1');
    expect(late).toContain('dcprobe_ticket_timers_running{customer="cust-a",timer="firstResponse"} 0');
    expect(late.some((l) => l.includes('next_due') && l.includes('firstResponse'))).toBe(false);

    expect((await call(env, 'POST', '/api/v1/reports/R-1/notice', { body: { noticeAt: iso(T + 2 * H) } })).status).toBe(201);
    expect(await timerLines(env)).toEqual([]);
  });
});
