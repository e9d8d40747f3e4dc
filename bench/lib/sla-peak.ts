/**
 * Peak RSS of a synchronous phase. `reconcile()` and the store load block the
 * event loop, so startUsage()'s interval sampler never runs inside them; the
 * kernel's high-water mark does see every page. On Linux, writing 5 to
 * /proc/self/clear_refs resets VmHWM to the current RSS, so the mark read after
 * the phase is that phase's own peak (not the generator's, run before it).
 * Elsewhere: the process's lifetime maxRSS, which is an upper bound.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const MB = 1024 * 1024;

/** Resets the high-water mark; false when the platform cannot (the peak is then the lifetime peak). */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS in MB since the last reset (or since the process started). */
export function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return (process.resourceUsage().maxRSS * 1024) / MB;
}
