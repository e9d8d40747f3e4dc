/**
 * The `customers` part of a scenario: services, subjects and contract terms,
 * with the defaults of docs/sla-rules.md §2 filled in.
 */
import { isValidTimeZone } from '@dcprobe/shared';
import {
  at, fail, IdRegistry, object, oneOf, onlyKeys, optionalNumber, optionalText, text, texts, type Obj,
} from './scenario-fields.ts';
import {
  DEFAULT_TIMEZONE, defaultTerms, REDUNDANCY, UNVERIFIED_POLICIES,
  type Customer, type NetworkSpec, type PowerSpec, type Service, type ServiceTerms, type Terms,
} from './types.ts';

/** Which service a subject measures, and where it was first named. */
export interface SubjectUse { service: Service; path: string }

export interface ParsedCustomers {
  customers: Customer[];
  ids: IdRegistry;
  subjects: Map<string, SubjectUse>;
}

export function parseCustomers(items: readonly unknown[], path: string): ParsedCustomers {
  const ids = new IdRegistry('customer');
  const subjects = new Map<string, SubjectUse>();
  const claim = (subject: string, service: Service, where: string): void => {
    const prev = subjects.get(subject);
    if (prev && prev.service !== service) {
      fail(where, `${JSON.stringify(subject)} is already a ${prev.service} subject (${prev.path})`);
    }
    if (!prev) subjects.set(subject, { service, path: where });
  };

  const customers = items.map((raw, i) => {
    const p = at(path, i);
    const o = object(raw, p);
    onlyKeys(o, ['id', 'timezone', 'network', 'power', 'terms'], p);
    const id = text(o, 'id', p);
    ids.add(id, p);
    const timezone = optionalText(o, 'timezone', p) ?? DEFAULT_TIMEZONE;
    if (!isValidTimeZone(timezone)) fail(at(p, 'timezone'), `unknown time zone ${JSON.stringify(timezone)}`);
    const network = o.network === undefined ? undefined : parseNetwork(o.network, at(p, 'network'));
    const power = o.power === undefined ? undefined : parsePower(o.power, at(p, 'power'));
    if (!network && !power) fail(p, 'has neither a network nor a power service');
    network?.ports.forEach((s, j) => claim(s, 'network', at(at(p, 'network.ports'), j)));
    network?.uplinks.forEach((s, j) => claim(s, 'network', at(at(p, 'network.uplinks'), j)));
    power?.feeds.forEach((s, j) => claim(s, 'power', at(at(p, 'power.feeds'), j)));
    const terms = parseTerms(o.terms, at(p, 'terms'));
    const c: Customer = { id, timezone, terms };
    if (network) c.network = network;
    if (power) c.power = power;
    return c;
  });
  return { customers, ids, subjects };
}

function parseNetwork(raw: unknown, p: string): NetworkSpec {
  const o = object(raw, p);
  onlyKeys(o, ['ports', 'redundancy', 'uplinks'], p);
  return {
    ports: texts(o, 'ports', p, true),
    redundancy: oneOf(o, 'redundancy', p, REDUNDANCY, 'any'),
    uplinks: texts(o, 'uplinks', p, false),
  };
}

function parsePower(raw: unknown, p: string): PowerSpec {
  const o = object(raw, p);
  onlyKeys(o, ['feeds'], p);
  return { feeds: texts(o, 'feeds', p, true) };
}

function parseTerms(raw: unknown, p: string): Terms {
  const terms = defaultTerms();
  if (raw === undefined) return terms;
  const o = object(raw, p);
  onlyKeys(o, ['network', 'power', 'reportDeadlineDays', 'graceMinutes', 'unverified'], p);
  if (o.network !== undefined) terms.network = parseServiceTerms(o.network, at(p, 'network'), terms.network);
  if (o.power !== undefined) terms.power = parseServiceTerms(o.power, at(p, 'power'), terms.power);
  terms.reportDeadlineDays = optionalNumber(o, 'reportDeadlineDays', p, (n) => n > 0, 'a number of days > 0')
    ?? terms.reportDeadlineDays;
  terms.graceMinutes = optionalNumber(o, 'graceMinutes', p, (n) => n >= 0, 'a number of minutes >= 0')
    ?? terms.graceMinutes;
  terms.unverified = oneOf(o, 'unverified', p, UNVERIFIED_POLICIES, terms.unverified);
  return terms;
}

function parseServiceTerms(raw: unknown, p: string, base: ServiceTerms): ServiceTerms {
  const o: Obj = object(raw, p);
  onlyKeys(o, ['target', 'maxDowntimeMinutes'], p);
  const target = optionalNumber(o, 'target', p, (n) => n > 0 && n <= 1, 'a share > 0 and <= 1 (0.999 for 99.9 %)')
    ?? base.target;
  const max = optionalNumber(o, 'maxDowntimeMinutes', p, (n) => n > 0, 'a number of minutes > 0');
  return max === undefined ? { target } : { target, maxDowntimeMinutes: max };
}
