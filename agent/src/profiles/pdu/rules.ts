/**
 * Evaluates a profile feed: values read from the device → power state,
 * evidence and gauges. Pure, so every rule shape is tested as a table.
 */
import type { PowerState } from '@dcprobe/shared';
import type { PduCondition, PduFeedDef } from './schema.ts';

export type RawValue = number | string | null;

export interface FeedResult {
  state: PowerState;
  evidence: Record<string, unknown>;
  gauges: Record<string, number>;
  /** Index of the rule that decided, null when none matched. */
  rule: number | null;
}

function meets(v: RawValue, c: PduCondition): boolean {
  if (v === null) return false;
  const n = typeof v === 'number' ? v : null;
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.ne !== undefined && v === c.ne) return false;
  if (c.in !== undefined && !c.in.includes(v)) return false;
  // Ordering conditions only hold for numbers; a string never meets them.
  if (c.lt !== undefined && !(n !== null && n < c.lt)) return false;
  if (c.lte !== undefined && !(n !== null && n <= c.lte)) return false;
  if (c.gt !== undefined && !(n !== null && n > c.gt)) return false;
  if (c.gte !== undefined && !(n !== null && n >= c.gte)) return false;
  return true;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** `raw` holds the device's values by value name (null: not returned); scaling happens here. */
export function evaluateFeed(def: PduFeedDef, raw: ReadonlyMap<string, RawValue>): FeedResult {
  const values = new Map<string, RawValue>();
  const evidence: Record<string, unknown> = {};
  const gauges: Record<string, number> = {};
  for (const [name, vd] of Object.entries(def.values)) {
    const r = raw.get(name) ?? null;
    const v = typeof r === 'number' ? round(r * vd.scale) : r;
    values.set(name, v);
    evidence[name] = v;
    if (vd.enum && typeof r === 'number') evidence[`${name}Name`] = vd.enum[String(r)] ?? 'outOfRange';
    if (vd.gauge && typeof v === 'number') gauges[vd.gauge] = v;
  }
  const rule = def.rules.findIndex((ru) => Object.entries(ru.when).every(([name, c]) => meets(values.get(name) ?? null, c)));
  return { state: rule < 0 ? 'unknown' : def.rules[rule]!.state, evidence, gauges, rule: rule < 0 ? null : rule };
}
