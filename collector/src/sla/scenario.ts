/**
 * parseScenario: validates a scenario file (docs/sla-rules.md §5) and turns it
 * into the reconciler's typed input. Every error is DcprobeError(SCENARIO_INVALID)
 * and names the field and the item.
 */
import { ADMIN_STATUSES, formatInstant, isAdminStatus, isStateOf, MONTH_RE, PORT_STATES, POWER_STATES, type AdminStatus, type State } from '@dcprobe/shared';
import { parseCustomers, type SubjectUse } from './scenario-customers.ts';
import {
  at, fail, IdRegistry, instant, list, object, oneOf, onlyKeys, optionalInstant, optionalText, text,
} from './scenario-fields.ts';
import {
  EXCLUSION_CATEGORIES, SERVICES, type Customer, type Exclusion, type HiddenFlap, type Observation, type ReconcileInput, type Report,
} from './types.ts';

export interface ScenarioOverrides {
  /** Replaces the file's month (`--month`). */
  month?: string | undefined;
  /** Replaces the file's asOf (`--as-of`), in UTC ms. */
  asOf?: number | undefined;
}

export function parseScenario(json: unknown, overrides: ScenarioOverrides = {}): ReconcileInput {
  const o = object(json, '');
  onlyKeys(o, ['title', 'month', 'asOf', 'customers', 'observations', 'reports', 'exclusions', 'hiddenFlaps'], '');
  const title = optionalText(o, 'title', '');
  const month = overrides.month ?? text(o, 'month', '');
  if (!MONTH_RE.test(month)) fail(overrides.month === undefined ? 'month' : '--month', `expected YYYY-MM, got ${JSON.stringify(month)}`);
  const asOf = overrides.asOf ?? instant(o, 'asOf', '');

  const { customers, subjects } = parseCustomers(list(o, 'customers', '', true), 'customers');
  const byId = new Map(customers.map((c) => [c.id, c]));
  const input: ReconcileInput = {
    month, asOf, customers,
    observations: parseObservations(list(o, 'observations', '', false), subjects),
    reports: parseReports(list(o, 'reports', '', false), byId),
    exclusions: parseExclusions(list(o, 'exclusions', '', false), byId),
  };
  if (title !== undefined) input.title = title;
  const flaps = list(o, 'hiddenFlaps', '', false);
  if (flaps.length > 0) input.hiddenFlaps = parseHiddenFlaps(flaps);
  return input;
}

/** `hiddenFlaps: [{ subject, since, at }]`: evidence listed with the outages, counting no seconds. */
function parseHiddenFlaps(items: readonly unknown[]): HiddenFlap[] {
  return items.map((raw, i) => {
    const p = at('hiddenFlaps', i);
    const o = object(raw, p);
    onlyKeys(o, ['subject', 'since', 'at'], p);
    const subject = text(o, 'subject', p);
    const since = instant(o, 'since', p);
    const t = instant(o, 'at', p);
    if (since > t) fail(at(p, 'since'), 'must not be after at');
    return { subject, since, at: t };
  });
}

const ALL_STATES = [...new Set<string>([...PORT_STATES, ...POWER_STATES])];

function parseObservations(items: readonly unknown[], subjects: ReadonlyMap<string, SubjectUse>): Observation[] {
  const seen = new Map<string, Map<number, number>>();
  return items.map((raw, i) => {
    const p = at('observations', i);
    const o = object(raw, p);
    onlyKeys(o, ['subject', 'state', 'at', 'admin'], p);
    const subject = text(o, 'subject', p);
    const use = subjects.get(subject);
    const state = o.state;
    const ok = use ? isStateOf(use.service === 'network' ? 'port' : 'power', state) : ALL_STATES.includes(state as string);
    if (!ok) {
      const vocab = use ? `${use.service}: ${(use.service === 'network' ? PORT_STATES : POWER_STATES).join(', ')}`
        : `no customer uses it: ${ALL_STATES.join(', ')}`;
      fail(at(p, 'state'), state === undefined ? `required (${vocab})` : `${JSON.stringify(state)} is not a state of ${subject} (${vocab})`);
    }
    const t = instant(o, 'at', p);
    let times = seen.get(subject);
    if (!times) { times = new Map(); seen.set(subject, times); }
    const first = times.get(t);
    if (first !== undefined) {
      fail(at(p, 'at'), `${subject} already has an observation at ${formatInstant(t, 'UTC')} (observations[${first}])`);
    }
    times.set(t, i);
    if (o.admin !== undefined && !isAdminStatus(o.admin)) fail(at(p, 'admin'), `${JSON.stringify(o.admin)} is not an administrative state (${ADMIN_STATUSES.join(', ')})`);
    return { subject, state: state as State, at: t, ...(o.admin !== undefined ? { admin: o.admin as AdminStatus } : {}) };
  });
}

function parseReports(items: readonly unknown[], customers: ReadonlyMap<string, Customer>): Report[] {
  const ids = new IdRegistry('report');
  return items.map((raw, i) => {
    const p = at('reports', i);
    const o = object(raw, p);
    onlyKeys(o, ['id', 'customer', 'service', 'reportedAt', 'noticeAt', 'claimedStart', 'claimedEnd', 'firstResponseAt'], p);
    const id = text(o, 'id', p);
    ids.add(id, p);
    const customer = knownCustomer(text(o, 'customer', p), customers, p);
    const service = oneOf(o, 'service', p, SERVICES);
    if (!customer[service]) fail(at(p, 'service'), `customer ${JSON.stringify(customer.id)} has no ${service} service`);
    const rep: Report = { id, customer: customer.id, service, reportedAt: instant(o, 'reportedAt', p) };
    const noticeAt = optionalInstant(o, 'noticeAt', p);
    const claimedStart = optionalInstant(o, 'claimedStart', p);
    const claimedEnd = optionalInstant(o, 'claimedEnd', p);
    const firstResponseAt = optionalInstant(o, 'firstResponseAt', p);
    if (noticeAt !== undefined && noticeAt < rep.reportedAt) fail(p, 'noticeAt is before reportedAt');
    if (firstResponseAt !== undefined && firstResponseAt < rep.reportedAt) fail(p, 'firstResponseAt is before reportedAt');
    if (claimedStart !== undefined && claimedEnd !== undefined && claimedEnd < claimedStart) fail(p, 'claimedEnd is before claimedStart');
    // One end given: the other defaults to reportedAt / noticeAt (docs/sla-rules.md §3).
    if (claimedStart === undefined && claimedEnd !== undefined && claimedEnd < rep.reportedAt) {
      fail(p, 'claimedEnd is before reportedAt (the default claimedStart)');
    }
    if (claimedEnd === undefined && claimedStart !== undefined && noticeAt !== undefined && claimedStart > noticeAt) {
      fail(p, 'claimedStart is after noticeAt (the default claimedEnd)');
    }
    if (noticeAt !== undefined) rep.noticeAt = noticeAt;
    if (claimedStart !== undefined) rep.claimedStart = claimedStart;
    if (claimedEnd !== undefined) rep.claimedEnd = claimedEnd;
    if (firstResponseAt !== undefined) rep.firstResponseAt = firstResponseAt;
    return rep;
  });
}

function parseExclusions(items: readonly unknown[], customers: ReadonlyMap<string, Customer>): Exclusion[] {
  const ids = new IdRegistry('exclusion');
  return items.map((raw, i) => {
    const p = at('exclusions', i);
    const o = object(raw, p);
    onlyKeys(o, ['id', 'customer', 'service', 'start', 'end', 'category', 'ref'], p);
    const id = text(o, 'id', p);
    ids.add(id, p);
    const customerId = optionalText(o, 'customer', p);
    const customer = customerId === undefined ? undefined : knownCustomer(customerId, customers, p);
    const service = o.service === undefined ? undefined : oneOf(o, 'service', p, SERVICES);
    if (customer && service && !customer[service]) {
      fail(at(p, 'service'), `customer ${JSON.stringify(customer.id)} has no ${service} service`);
    }
    const start = instant(o, 'start', p), end = instant(o, 'end', p);
    if (end < start) fail(p, 'end is before start');
    const x: Exclusion = {
      id, start, end, category: oneOf(o, 'category', p, EXCLUSION_CATEGORIES), ref: text(o, 'ref', p),
    };
    if (customer) x.customer = customer.id;
    if (service) x.service = service;
    return x;
  });
}

function knownCustomer(id: string, customers: ReadonlyMap<string, Customer>, p: string): Customer {
  const c = customers.get(id);
  if (!c) fail(at(p, 'customer'), `unknown customer ${JSON.stringify(id)}`);
  return c;
}
