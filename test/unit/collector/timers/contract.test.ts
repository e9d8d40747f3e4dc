/**
 * The contract's four timers, each at the edges of its promise: stopped on
 * the due instant is met, a millisecond later is breached, running up to the
 * due instant is open, a millisecond past it is breached, and a stop recorded
 * after asOf is not known yet. Durations are elapsed time across a DST change.
 */
import { describe, expect, it } from 'vitest';
import { operationTimer, ticketTimers } from '../../../../collector/src/ledger/timers.ts';
import {
  CONTRACT_TIMERS, nextBreachAt, operationTimers, reportTimers, timerStatus, type TimerName,
} from '../../../../collector/src/timers/contract.ts';

const t = (s: string) => Date.parse(s);
const H = 3_600_000, MIN = 60_000, DAY = 86_400_000;
const R = t('2026-11-03T10:00:00+08:00');

describe('contract timers', () => {
  it('promise the contract\'s durations', () => {
    expect(Object.fromEntries(Object.entries(CONTRACT_TIMERS).map(([k, v]) => [k, v.withinMs])))
      .toEqual({ firstResponse: 2 * H, writtenReport: 4 * H, resolution: 15 * DAY, firstFeedback: 30 * MIN });
  });

  type Row = [TimerName, number | undefined, number, { state: string; remainingMs: number | null; lateByMs: number | null; stoppedAt: number | null }];
  const within = (n: TimerName) => CONTRACT_TIMERS[n].withinMs;
  const rows: [string, ...Row][] = [];
  for (const n of Object.keys(CONTRACT_TIMERS) as TimerName[]) {
    const due = R + within(n);
    rows.push(
      [`${n}: stopped well before due`, n, R + 1000, due + DAY, { state: 'met', remainingMs: null, lateByMs: null, stoppedAt: R + 1000 }],
      [`${n}: stopped on the due instant`, n, due, due + DAY, { state: 'met', remainingMs: null, lateByMs: null, stoppedAt: due }],
      [`${n}: stopped 1 ms late`, n, due + 1, due + DAY, { state: 'breached', remainingMs: null, lateByMs: 1, stoppedAt: due + 1 }],
      [`${n}: running, as of the due instant`, n, undefined, due, { state: 'open', remainingMs: 0, lateByMs: null, stoppedAt: null }],
      [`${n}: running, 1 ms past due`, n, undefined, due + 1, { state: 'breached', remainingMs: null, lateByMs: 1, stoppedAt: null }],
      [`${n}: running, just started`, n, undefined, R, { state: 'open', remainingMs: within(n), lateByMs: null, stoppedAt: null }],
      [`${n}: stopped after asOf counts as running`, n, due - 1, due - 2, { state: 'open', remainingMs: 2, lateByMs: null, stoppedAt: null }],
      [`${n}: stop after asOf, asOf past due`, n, due + 5, due + 3, { state: 'breached', remainingMs: null, lateByMs: 3, stoppedAt: null }],
    );
  }
  it.each(rows)('%s', (_name, timer, stop, asOf, want) => {
    const s = timerStatus(timer, R, stop, asOf);
    expect({ state: s.state, remainingMs: s.remainingMs, lateByMs: s.lateByMs, stoppedAt: s.stoppedAt }).toEqual(want);
    expect(s.dueAt).toBe(R + within(timer));
  });

  it('counts 15 days as elapsed time across a DST change (Europe/Berlin, October)', () => {
    const r = t('2026-10-20T12:00:00+02:00');
    const s = reportTimers({ reportedAt: r }, r);
    expect(new Date(s.resolution.dueAt).toISOString()).toBe('2026-11-04T10:00:00.000Z'); // 11:00 +01:00, not 12:00
  });

  it('gives a report its three timers and an authorised operation its one', () => {
    const s = reportTimers({ reportedAt: R, firstResponseAt: R + 30 * MIN, writtenReportAt: R + 5 * H }, R + 6 * H);
    expect([s.firstResponse.state, s.writtenReport.state, s.resolution.state]).toEqual(['met', 'breached', 'open']);
    expect(s.writtenReport.lateByMs).toBe(H);
    const op = operationTimers({ authorisedAt: R }, R + 31 * MIN).firstFeedback;
    expect([op.state, op.dueAt, op.lateByMs]).toEqual(['breached', R + 30 * MIN, MIN]);
  });

  // The API and the page show the ledger's form (met/missed in the customer's zone): by table, it says what the contract's says.
  const met = (x: { state: string }) => (x.state === 'open' ? null : x.state === 'met');
  const reportCases = [
    { reportedAt: R, firstResponseAt: R + H, writtenReportAt: R + 4 * H, noticeAt: R + DAY },
    { reportedAt: R, firstResponseAt: R + 2 * H + 1, writtenReportAt: R + 4 * H + 1 },
    { reportedAt: R, writtenReportAt: R + 3 * H },
    { reportedAt: R },
  ];
  const asOfs = [R + H, R + 2 * H, R + 3 * H, R + 4 * H, R + 4 * H + 1, R + 16 * DAY];
  it.each(reportCases.flatMap((c, i) => asOfs.map((asOf) => [i, asOf - R, c, asOf] as const)))('report case %i, as of R+%i ms: the ledger agrees', (_i, _d, c, asOf) => {
    const old = ticketTimers(c, asOf, 'UTC'), mine = reportTimers(c, asOf);
    for (const k of ['firstResponse', 'writtenReport', 'resolution'] as const) {
      expect({ k, met: old[k].met, missed: old[k].missed }).toEqual({ k, met: met(mine[k]), missed: mine[k].state === 'breached' });
    }
  });
  const opCases = [{ authorisedAt: R }, { authorisedAt: R, firstFeedbackAt: R + 30 * MIN }, { authorisedAt: R, firstFeedbackAt: R + 30 * MIN + 1 }];
  it.each(opCases.flatMap((c, i) => [R, R + 30 * MIN, R + 30 * MIN + 1, R + H].map((asOf) => [i, asOf - R, c, asOf] as const)))('operation case %i, as of R+%i ms: the ledger agrees', (_i, _d, c, asOf) => {
    const old = operationTimer(c, asOf, 'UTC').firstFeedback, mine = operationTimers(c, asOf).firstFeedback;
    expect({ met: old.met, missed: old.missed, due: Date.parse(old.due) }).toEqual({ met: met(mine), missed: mine.state === 'breached', due: R + 30 * MIN });
  });

  it('says when to look again for the next breach', () => {
    const s = reportTimers({ reportedAt: R, firstResponseAt: R + H }, R + 90 * MIN);
    expect(nextBreachAt(Object.values(s))).toBe(R + 4 * H + 1); // first response met; written report due next
    expect(nextBreachAt(Object.values(reportTimers({ reportedAt: R, firstResponseAt: R, writtenReportAt: R, noticeAt: R }, R)))).toBeNull();
  });
});
