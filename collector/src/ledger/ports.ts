/**
 * The ports view: each port and uplink a customer had in a month, its state
 * as of `asOf` with the administrative state its last event carried, and its
 * changes over the month. A port `down` whose event says admin `down` was
 * shut administratively. That is evidence beside the state: the SLA counts
 * such a port as down like any other, and only an exclusion entered for the
 * work removes its minutes (docs/sla-rules.md §2).
 */
import { monthBounds, type AdminStatus, type State } from '@dcprobe/shared';
import type { ObservationReads, PortChange } from '../store/types.ts';
import type { ReconcileInput } from '../sla/types.ts';
import type { Customers } from './customers.ts';

export type PortRole = 'port' | 'uplink';

export interface PortStatus {
  subject: string;
  role: PortRole;
  /** As of `asOf`; `unknown` before the port's first observation. */
  state: State;
  /** When that state began; null before the first observation. */
  since: number | null;
  /** What the event of that state carried (evidence.admin); null when it carried none. */
  admin: AdminStatus | null;
  shutAdministratively: boolean;
  /** The state the month began in (its observation may be older), then every change up to `asOf`. */
  changes: PortChange[];
}

/** Down, and the event says the port was shut by its administrator (IF-MIB ifAdminStatus down). */
export function shutAdministratively(c: { state: State; admin: AdminStatus | null }): boolean {
  return c.state === 'down' && c.admin === 'down';
}

export class PortsView {
  constructor(private readonly store: Pick<ObservationReads, 'portChanges'>, private readonly customers: Customers) {}

  /** The ports and uplinks of the customer's versions in force during the month (the latest one when none was). */
  async of(customer: string, month: string, asOf: number): Promise<PortStatus[]> {
    const all = this.customers.tenures(customer);
    const tz = all[all.length - 1]?.version.spec.timezone ?? 'UTC';
    const { start, end } = monthBounds(month, tz);
    const inMonth = all.filter((t) => t.end > start && t.start < Math.min(end, asOf));
    const roles = new Map<string, PortRole>();
    for (const t of inMonth.length ? inMonth : all.slice(-1)) {
      for (const s of t.version.spec.network?.ports ?? []) if (!roles.has(s)) roles.set(s, 'port');
      for (const s of t.version.spec.network?.uplinks ?? []) if (!roles.has(s)) roles.set(s, 'uplink');
    }
    const changes = await this.store.portChanges([...roles.keys()], start, Math.min(end, asOf));
    return [...roles].map(([subject, role]) => {
      const list = changes.get(subject) ?? [];
      const last = list[list.length - 1];
      const state = last?.state ?? 'unknown', admin = last?.admin ?? null;
      return { subject, role, state, since: last?.at ?? null, admin, shutAdministratively: shutAdministratively({ state, admin }), changes: list };
    });
  }

  /**
   * The input with each port's and uplink's observations carrying the
   * administrative state their events did (for the scenario export). Only
   * stored changes match: a state the tenure rule put in place has none.
   */
  async withAdmin(input: ReconcileInput): Promise<ReconcileInput> {
    const subjects = new Set(input.customers.flatMap((c) => [...(c.network?.ports ?? []), ...(c.network?.uplinks ?? [])]));
    // A loop, not Math.min(...): a month of a busy port is more changes than a call takes arguments.
    let from = Infinity;
    for (const o of input.observations) if (subjects.has(o.subject) && o.at < from) from = o.at;
    if (from === Infinity) return input;
    const admin = new Map<string, PortChange['admin']>();
    for (const list of (await this.store.portChanges([...subjects], from, input.asOf)).values()) {
      for (const c of list) admin.set(`${c.subject}\0${c.at}\0${c.state}`, c.admin);
    }
    const observations = input.observations.map((o) => {
      const a = subjects.has(o.subject) ? admin.get(`${o.subject}\0${o.at}\0${o.state}`) : undefined;
      return a ? { ...o, admin: a } : o;
    });
    return { ...input, observations };
  }
}
