/**
 * Domain metrics: what dcprobe measured, per subject and customer.
 * `dcprobe_port_up` is 1 or 0 and ABSENT while the port is unknown (so a
 * missing series, not a false 0, shows a measurement gap; alert on absence
 * with `absent()` or on `dcprobe_port_known == 0`). Power is an enum gauge:
 * `dcprobe_power_state{state=…}` is 1 for the current state, 0 for the others.
 */
import { Registry, Gauge } from 'prom-client';
import { POWER_STATES } from '@dcprobe/shared';
import type { CurrentState } from './store/observations.ts';
import type { CustomerConfig } from './config.ts';

export function splitSubject(subject: string): { device: string; rest: string } {
  const i = subject.indexOf('/');
  return i < 0 ? { device: subject, rest: '' } : { device: subject.slice(0, i), rest: subject.slice(i + 1) };
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

export function makeDomainRegistry(current: () => Iterable<CurrentState>, customers: () => readonly CustomerConfig[]): Registry {
  const registry = new Registry();
  const r = [registry];
  // The three gauges below collect in one scrape: build the owner map once per customer list.
  let memo: { list: readonly CustomerConfig[]; owners: Map<string, string[]> } | undefined;
  const ownersNow = () => {
    const list = customers();
    if (memo?.list !== list) memo = { list, owners: ownersBySubject(list) };
    return memo.owners;
  };
  new Gauge({
    name: 'dcprobe_port_up', help: 'Switch port operational state: 1 up, 0 down; absent while unknown.',
    labelNames: ['device', 'port', 'customer'], registers: r,
    collect() {
      this.reset();
      const owners = ownersNow();
      for (const s of current()) {
        if (s.kind !== 'port' || s.state === 'unknown') continue;
        const { device, rest } = splitSubject(s.subject);
        for (const customer of owners.get(s.subject) ?? ['']) this.set({ device, port: rest, customer }, s.state === 'up' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'dcprobe_port_known', help: '1 while the port state is measured, 0 while unknown (device unreachable, agent silent).',
    labelNames: ['device', 'port', 'customer'], registers: r,
    collect() {
      this.reset();
      const owners = ownersNow();
      for (const s of current()) {
        if (s.kind !== 'port') continue;
        const { device, rest } = splitSubject(s.subject);
        for (const customer of owners.get(s.subject) ?? ['']) this.set({ device, port: rest, customer }, s.state === 'unknown' ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: 'dcprobe_power_state', help: 'Power feed / UPS output state: 1 for the current state, 0 for the others.',
    labelNames: ['device', 'feed', 'customer', 'state'], registers: r,
    collect() {
      this.reset();
      const owners = ownersNow();
      for (const s of current()) {
        if (s.kind !== 'power') continue;
        const { device, rest } = splitSubject(s.subject);
        for (const customer of owners.get(s.subject) ?? ['']) {
          for (const st of POWER_STATES) this.set({ device, feed: rest, customer, state: st }, s.state === st ? 1 : 0);
        }
      }
    },
  });
  return registry;
}
