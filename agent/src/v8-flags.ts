/**
 * V8 heap flags for the agent process, set before the agent's modules load
 * (the CLI entry and the bench's agent child import this first).
 *
 * Why: the agent allocates steadily (each poll's varbinds and readings) but
 * keeps little (~10-20 MB live with 10,000 ports). Left alone, V8 grows the
 * young generation to its 2 × 16 MB maximum and lets the old space grow well past
 * the live data before a major GC, which put a 200-switch agent at ~130 MB RSS.
 * --optimize-for-size makes V8 keep the heaps small (smaller semi-spaces,
 * earlier major GCs); a 1 MB semi-space keeps the young generation small.
 * Measured with `npm run bench -- --only snmp-fleet` (docs/benchmarks.md).
 * No old-space cap: a larger fleet must not die of an out-of-memory limit.
 *
 * DCPROBE_AGENT_V8_FLAGS replaces the list ('' to set none).
 */
import v8 from 'node:v8';

export const AGENT_V8_FLAGS = process.env.DCPROBE_AGENT_V8_FLAGS ?? '--optimize-for-size --max-semi-space-size=1';

for (const flag of AGENT_V8_FLAGS.split(' ').filter(Boolean)) v8.setFlagsFromString(flag);
