/**
 * UPS battery charge, runtime and load as agent metrics, from the numeric
 * readings the UPS sources return at every poll (`Reading.gauges`).
 *
 * Exported by the agent, not the collector: the collector hears only state
 * changes (durable, fsync'd billing evidence), so a draining battery would
 * reach it only when the UPS changes state; these values move at every poll,
 * are worth nothing once stale, and Prometheus already scrapes each agent for
 * its outbox and poll health. Labels are the subject split the way the
 * collector splits it (`ups1/output` → device `ups1`, feed `output`), so a
 * dashboard joins them with `dcprobe_power_state` on (device, feed) to name
 * the customers a UPS feeds.
 *
 * A series goes away when its target's poll fails or a reading lacks the
 * value: a UPS that stopped answering never shows its last charge as current.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Reading } from './sources/types.ts';

/** metric → how to read it from a reading's gauges (unit in the name; ratios 0–1). */
const FAMILIES = {
  dcprobe_ups_battery_charge_ratio: {
    help: 'Battery charge remaining, 0-1 (UPS-MIB upsEstimatedChargeRemaining, NUT battery.charge).',
    read: (g: Record<string, number>) => percent(g.battery_charge_percent),
  },
  dcprobe_ups_battery_runtime_seconds: {
    help: 'Estimated runtime on battery at the present load (UPS-MIB upsEstimatedMinutesRemaining, NUT battery.runtime).',
    read: (g: Record<string, number>) => g.battery_runtime_seconds,
  },
  dcprobe_ups_load_ratio: {
    help: 'Output load as a share of capacity, 0-1; of the most loaded output line when the UPS reports several (UPS-MIB upsOutputPercentLoad, NUT ups.load).',
    read: (g: Record<string, number>) => percent(g.load_percent ?? mostLoadedLine(g)),
  },
} as const;

const percent = (v: number | undefined) => (v === undefined ? undefined : v / 100);

/** snmp-ups reports load per output line (`output_line<N>_load_percent`). */
function mostLoadedLine(g: Record<string, number>): number | undefined {
  let max: number | undefined;
  for (const [k, v] of Object.entries(g)) if (/^output_line\d+_load_percent$/.test(k) && (max === undefined || v > max)) max = v;
  return max;
}

export interface PowerGauges {
  /** The readings of one successful poll of `target`. */
  update(target: string, readings: readonly Reading[]): void;
  /** The target's poll failed: its series go away until it answers again. */
  clear(target: string): void;
}

function labelsOf(subject: string): { device: string; feed: string } {
  const i = subject.indexOf('/');
  return i < 0 ? { device: subject, feed: '' } : { device: subject.slice(0, i), feed: subject.slice(i + 1) };
}

export function powerGauges(registry: Registry): PowerGauges {
  const gauges = Object.entries(FAMILIES).map(([name, f]) => ({
    read: f.read, g: new Gauge({ name, help: f.help, labelNames: ['device', 'feed'], registers: [registry] }),
  }));
  const subjectsOf = new Map<string, Set<string>>();
  const drop = (subject: string) => { for (const { g } of gauges) g.remove(labelsOf(subject)); };
  return {
    update(target, readings) {
      const before = subjectsOf.get(target) ?? new Set<string>();
      const now = new Set<string>();
      for (const r of readings) {
        if (r.kind !== 'power') continue;
        now.add(r.subject);
        const labels = labelsOf(r.subject);
        for (const { read, g } of gauges) {
          const v = r.gauges ? read(r.gauges) : undefined;
          if (v === undefined || !Number.isFinite(v)) g.remove(labels);
          else g.set(labels, v);
        }
      }
      for (const s of before) if (!now.has(s)) drop(s);
      subjectsOf.set(target, now);
    },
    clear(target) {
      for (const s of subjectsOf.get(target) ?? []) drop(s);
      subjectsOf.delete(target);
    },
  };
}
