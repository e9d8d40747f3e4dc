/**
 * Domain metrics: what dcprobe measured, per subject and customer.
 * `dcprobe_port_up` is 1 or 0 and ABSENT while the port is unknown (so a
 * missing series, not a false 0, shows a measurement gap; alert on absence
 * with `absent()` or on `dcprobe_port_known == 0`). Power is an enum gauge:
 * `dcprobe_power_state{state=…}` is 1 for the current state, 0 for the others.
 * A port any customer names as an uplink is also `dcprobe_uplink_up` and
 * `dcprobe_uplink_known`, once per port without a customer label: one uplink
 * shared by 48 customers is one alert, not 48.
 *
 * Rendered as exposition text directly, not through prom-client gauges: with
 * 10,000 customers the three families hold ~130,000 label sets (a shared
 * uplink or UPS output is one series per customer), and resetting and setting
 * them at every scrape (a label hash per set, then the registry's formatting)
 * took about a second a scrape. A subject's lines are built once per state and
 * owner list and reused until either changes. The text is what prom-client
 * printed: same order, label order, escaping, and a blank line between families.
 */
import { POWER_STATES } from '@dcprobe/shared';
import type { CurrentState } from './store/types.ts';
import type { CustomerConfig } from './config.ts';

export function splitSubject(subject: string): { device: string; rest: string } {
  const i = subject.indexOf('/');
  return i < 0 ? { device: subject, rest: '' } : { device: subject.slice(0, i), rest: subject.slice(i + 1) };
}

/** Every subject some customer names as an uplink. */
export function uplinkSubjects(customers: readonly CustomerConfig[]): Set<string> {
  return new Set(customers.flatMap((c) => c.network?.uplinks ?? []));
}

/** subject → customers that own it (ports, uplinks, feeds). */
export function ownersBySubject(customers: readonly CustomerConfig[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (s: string, c: string) => { const l = m.get(s) ?? []; if (!l.includes(c)) l.push(c); m.set(s, l); };
  for (const c of customers) {
    for (const s of c.network?.ports ?? []) add(s, c.id);
    for (const s of c.network?.uplinks ?? []) add(s, c.id);
    for (const s of c.power?.feeds ?? []) add(s, c.id);
  }
  return m;
}

export interface DomainMetrics { metrics(): string }

const FAMILIES = {
  up: ['dcprobe_port_up', 'Switch port operational state: 1 up, 0 down; absent while unknown.'],
  known: ['dcprobe_port_known', '1 while the port state is measured, 0 while unknown (device unreachable, agent silent).'],
  uplinkUp: ['dcprobe_uplink_up', 'Uplink operational state, once per uplink port (no customer label): 1 up, 0 down; absent while unknown.'],
  uplinkKnown: ['dcprobe_uplink_known', '1 while the uplink state is measured, 0 while unknown; once per uplink port.'],
  power: ['dcprobe_power_state', 'Power feed / UPS output state: 1 for the current state, 0 for the others.'],
} as const;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** One subject's lines in each family, for one state and one owner list (the cache key). */
interface Lines {
  state: string; kind: string; owners: readonly string[] | undefined; uplink: boolean;
  up: string; known: string; power: string; uplinkUp: string; uplinkKnown: string;
}

function linesOf(s: CurrentState, owners: readonly string[] | undefined, uplink: boolean): Lines {
  const { device, rest } = splitSubject(s.subject);
  const dev = escapeLabel(device), r = escapeLabel(rest);
  let up = '', known = '', power = '', uplinkUp = '', uplinkKnown = '';
  if (uplink && s.kind === 'port') {
    if (s.state !== 'unknown') uplinkUp = `\n${FAMILIES.uplinkUp[0]}{device="${dev}",port="${r}"} ${s.state === 'up' ? 1 : 0}`;
    uplinkKnown = `\n${FAMILIES.uplinkKnown[0]}{device="${dev}",port="${r}"} ${s.state === 'unknown' ? 0 : 1}`;
  }
  for (const customer of owners ?? ['']) {
    const c = escapeLabel(customer);
    if (s.kind === 'port') {
      if (s.state !== 'unknown') up += `\n${FAMILIES.up[0]}{device="${dev}",port="${r}",customer="${c}"} ${s.state === 'up' ? 1 : 0}`;
      known += `\n${FAMILIES.known[0]}{device="${dev}",port="${r}",customer="${c}"} ${s.state === 'unknown' ? 0 : 1}`;
    } else if (s.kind === 'power') {
      for (const st of POWER_STATES) power += `\n${FAMILIES.power[0]}{device="${dev}",feed="${r}",customer="${c}",state="${st}"} ${s.state === st ? 1 : 0}`;
    }
  }
  return { state: s.state, kind: s.kind, owners, uplink, up, known, power, uplinkUp, uplinkKnown };
}

export function makeDomainMetrics(current: () => Iterable<CurrentState>, customers: () => readonly CustomerConfig[]): DomainMetrics {
  // The three families render in one pass: build the owner map once per customer list.
  let memo: { list: readonly CustomerConfig[]; owners: Map<string, string[]>; uplinks: Set<string> } | undefined;
  const byCustomers = () => {
    const list = customers();
    if (memo?.list !== list) memo = { list, owners: ownersBySubject(list), uplinks: uplinkSubjects(list) };
    return memo;
  };
  let cache = new Map<string, Lines>();
  const head = ([name, help]: readonly [string, string]) => `# HELP ${name} ${help}\n# TYPE ${name} gauge`;
  return {
    metrics(): string {
      const { owners, uplinks } = byCustomers();
      const next = new Map<string, Lines>(); // only subjects still current keep their lines
      const up: string[] = [], known: string[] = [], power: string[] = [], uplinkUp: string[] = [], uplinkKnown: string[] = [];
      for (const s of current()) {
        const o = owners.get(s.subject);
        const u = uplinks.has(s.subject);
        let l = cache.get(s.subject);
        if (!l || l.state !== s.state || l.kind !== s.kind || l.owners !== o || l.uplink !== u) l = linesOf(s, o, u);
        next.set(s.subject, l);
        if (l.up) up.push(l.up);
        if (l.known) known.push(l.known);
        if (l.power) power.push(l.power);
        if (l.uplinkUp) uplinkUp.push(l.uplinkUp);
        if (l.uplinkKnown) uplinkKnown.push(l.uplinkKnown);
      }
      cache = next;
      return `${head(FAMILIES.up)}${up.join('')}\n\n${head(FAMILIES.known)}${known.join('')}\n\n${head(FAMILIES.power)}${power.join('')}\n\n`
        + `${head(FAMILIES.uplinkUp)}${uplinkUp.join('')}\n\n${head(FAMILIES.uplinkKnown)}${uplinkKnown.join('')}\n`;
    },
  };
}
