/**
 * The contract's ticket timers (the provider's promises beside the outage
 * minutes): first response within 2 h and a written report within 4 h of a
 * complaint, resolution within 15 days of it (the customer receiving the
 * restoration notice), and first feedback within 30 min of an operation the
 * customer authorised. They never change the minutes.
 *
 * A timer starts at an instant the provider recorded (report received,
 * authorisation received) and stops at another (first response, written
 * report sent, notice received, first feedback). Durations are elapsed time,
 * like the 5-day report deadline: a daylight-saving change does not move a
 * due time. As of a time a timer is `open` (not stopped, not yet due), `met`
 * (stopped at or before its due time) or `breached` (stopped after it, or
 * still running past it). A stop recorded after `asOf` is not known yet.
 */
export const CONTRACT_TIMERS = {
  firstResponse: { withinMs: 2 * 3_600_000, starts: 'report received', stops: 'first response' },
  writtenReport: { withinMs: 4 * 3_600_000, starts: 'report received', stops: 'written report sent' },
  resolution: { withinMs: 15 * 86_400_000, starts: 'report received', stops: 'restoration notice received' },
  firstFeedback: { withinMs: 30 * 60_000, starts: 'authorisation received', stops: 'first feedback' },
} as const;
export type TimerName = keyof typeof CONTRACT_TIMERS;
export type TimerState = 'open' | 'met' | 'breached';

export interface TimerStatus {
  timer: TimerName;
  startedAt: number;
  dueAt: number;
  /** The stop, when known as of asOf; null while running. */
  stoppedAt: number | null;
  state: TimerState;
  /** Time left while open; null once stopped or breached. */
  remainingMs: number | null;
  /** How late a breached timer is (stopped late, or running past due as of asOf); null otherwise. */
  lateByMs: number | null;
}

export function dueAt(timer: TimerName, startedAt: number): number {
  return startedAt + CONTRACT_TIMERS[timer].withinMs;
}

export function timerStatus(timer: TimerName, startedAt: number, stoppedAt: number | undefined, asOf: number): TimerStatus {
  const due = dueAt(timer, startedAt);
  const stop = stoppedAt !== undefined && stoppedAt <= asOf ? stoppedAt : null;
  const end = stop ?? asOf;
  const state: TimerState = stop !== null ? (stop <= due ? 'met' : 'breached') : asOf > due ? 'breached' : 'open';
  return {
    timer, startedAt, dueAt: due, stoppedAt: stop, state,
    remainingMs: state === 'open' ? due - asOf : null,
    lateByMs: state === 'breached' ? end - due : null,
  };
}

/** What a report records for its timers (UTC ms). */
export interface ReportTimes {
  reportedAt: number;
  firstResponseAt?: number | undefined;
  writtenReportAt?: number | undefined;
  noticeAt?: number | undefined;
}

export function reportTimers(r: ReportTimes, asOf: number): Record<'firstResponse' | 'writtenReport' | 'resolution', TimerStatus> {
  return {
    firstResponse: timerStatus('firstResponse', r.reportedAt, r.firstResponseAt, asOf),
    writtenReport: timerStatus('writtenReport', r.reportedAt, r.writtenReportAt, asOf),
    resolution: timerStatus('resolution', r.reportedAt, r.noticeAt, asOf),
  };
}

/** An operation the customer authorised: the timer runs from the provider's receipt of the authorisation. */
export interface OperationTimes { authorisedAt: number; firstFeedbackAt?: number | undefined }

export function operationTimers(o: OperationTimes, asOf: number): Record<'firstFeedback', TimerStatus> {
  return { firstFeedback: timerStatus('firstFeedback', o.authorisedAt, o.firstFeedbackAt, asOf) };
}

/**
 * The earliest instant after asOf at which one of these open timers becomes
 * breached (its due time + 1 ms), or null: when to look again for an alert.
 */
export function nextBreachAt(statuses: readonly TimerStatus[]): number | null {
  let next: number | null = null;
  for (const s of statuses) if (s.state === 'open' && (next === null || s.dueAt + 1 < next)) next = s.dueAt + 1;
  return next;
}
