/**
 * sysUpTime / ifLastChange arithmetic. Both are TimeTicks: 32-bit counters of
 * centiseconds that wrap after ~497 days. A port change is placed in wall time
 * by how far ifLastChange lies behind sysUpTime at the moment sysUpTime was read.
 */
import { TICKS_WRAP } from '../profiles/if-mib.ts';

const MS_PER_TICK = 10;
const HALF = TICKS_WRAP / 2;

/** One sysUpTime sample and the agent's wall time (UTC ms) when it was taken. */
export interface UptimeSample {
  ticks: number;
  at: number;
}

/**
 * Centiseconds between ifLastChange and sysUpTime. A lastChange ahead of the
 * uptime by less than half the counter is a race (the port changed between the
 * two reads): age 0. Further ahead, the uptime wrapped since the change.
 */
export function ticksSince(uptime: number, lastChange: number): number {
  if (lastChange <= uptime) return uptime - lastChange;
  const ahead = lastChange - uptime;
  return ahead < HALF ? 0 : uptime + TICKS_WRAP - lastChange;
}

/**
 * Wall time (UTC ms) of the change ifLastChange records, or undefined when the
 * device cannot tell (0: no change since its SNMP agent started, RFC 2863) or
 * when the change predates `notBefore` (the agent's first poll: an old change
 * is not a transition this agent saw).
 */
export function changeInstant(sample: UptimeSample, lastChange: number, notBefore: number): number | undefined {
  if (!Number.isFinite(lastChange) || lastChange <= 0) return undefined;
  const at = sample.at - ticksSince(sample.ticks, lastChange) * MS_PER_TICK;
  return at < notBefore ? undefined : at;
}

export type UptimeStep = 'steady' | 'wrapped' | 'rebooted';

/**
 * Compares two samples. Going backwards is a reboot unless it is the 2^32
 * wrap, which shows as exactly the elapsed wall time past the counter's end.
 * Going forwards much less than the wall clock is a reboot we slept through
 * (the device restarted while unreachable and has been up since).
 */
export function uptimeStep(prev: UptimeSample, cur: UptimeSample): UptimeStep {
  const elapsed = Math.max(0, (cur.at - prev.at) / MS_PER_TICK);
  // Reads are a round trip apart and clocks drift: 10 s plus 1 % of the gap.
  const tolerance = 1000 + elapsed / 100;
  const expected = prev.ticks + elapsed;
  if (cur.ticks < prev.ticks) {
    const wrapped = expected >= TICKS_WRAP && Math.abs(cur.ticks - (expected - TICKS_WRAP)) <= tolerance;
    return wrapped ? 'wrapped' : 'rebooted';
  }
  return cur.ticks + tolerance < expected ? 'rebooted' : 'steady';
}
