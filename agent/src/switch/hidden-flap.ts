/**
 * Hidden flaps: a port up at two polls whose ifLastChange moved in between
 * went down and came back with nothing to see it (no trap, the outage shorter
 * than the poll interval). RFC 2863: ifLastChange is sysUpTime when the
 * interface entered its current operational state, so the port was up again
 * from that instant; when it went down is unknown, only that it was after
 * the previous poll. Pure: unit-tested as a table.
 */
import type { IfStatus } from './status.ts';
import { changeInstant, type UptimeSample, type UptimeStep } from './uptime.ts';

const IF_OPER_UP = 1;

export interface PolledStatus extends IfStatus {
  /** When the poll that read it took sysUpTime (agent clock, UTC ms). */
  at: number;
}

/** The episode between `prev` and `cur` (same port, consecutive polls), if there was one. */
export function hiddenFlap(prev: PolledStatus | undefined, cur: IfStatus, sample: UptimeSample, step: UptimeStep): { since: number; at: number } | undefined {
  // After a reboot every ifLastChange restarts: a move says nothing about the port.
  if (!prev || step === 'rebooted') return undefined;
  if (prev.oper !== IF_OPER_UP || cur.oper !== IF_OPER_UP) return undefined;
  if (prev.lastChange === null || cur.lastChange === null || cur.lastChange === prev.lastChange) return undefined;
  // A change placed before the previous poll is not between the two polls (that poll would have read it).
  const at = changeInstant(sample, cur.lastChange, prev.at);
  return at === undefined ? undefined : { since: prev.at, at };
}
