/**
 * The reconciler (docs/architecture.md "The flow of one fact", step 7): a pure function from
 * observations, customers, reports, exclusions, month and asOf to the month's
 * figures. No I/O and no clock: asOf is the only "now".
 *
 * Cost: observations are indexed by subject once (O(n log n) at worst, O(n) when
 * already sorted), reports and exclusions are grouped once, and each service
 * walks only its own subjects' timelines.
 */
import { formatInstant, monthBounds, type Interval } from '@dcprobe/shared';
import type { ExclusionWindow } from './report-result.ts';
import { reconcileService, serviceFigures, type ServiceContext } from './service.ts';
import {
  foldGroup, indexObservations, NETWORK_TRUTH, POWER_TRUTH, serviceTimeline, timelineOf, type Group, type SubjectTimeline,
} from './timeline.ts';
import type {
  Customer, Exclusion, FiguresResult, HiddenFlap, ReconcileInput, ReconcileResult, Report, Service,
} from './types.ts';

export function reconcile(input: ReconcileInput): ReconcileResult {
  return reconcileWith(input, reconcileService);
}

/**
 * The month's figures of every customer, the same numbers as reconcile()
 * gives, without the lists of instants behind them (ServiceFigures): for a
 * month-end run over every customer, where the lists would cost most of the
 * time and memory. A customer's evidence is its reconcile() result.
 */
export function reconcileFigures(input: ReconcileInput): FiguresResult {
  return reconcileWith(input, serviceFigures);
}

function reconcileWith<S>(input: ReconcileInput, serviceOf: (ctx: ServiceContext) => S): { month: string; asOf: string; customers: { id: string; timezone: string; services: { network?: S; power?: S } }[] } {
  const { asOf } = input;
  const wanted = new Set<string>();
  for (const c of input.customers) for (const s of subjectsOf(c)) wanted.add(s);
  const index = indexObservations(input.observations, wanted, asOf);
  const uplinks = new Map<string, Group>();
  // A handful of zones for thousands of customers: bounds once per zone.
  const months = new Map<string, Interval>();
  const monthIn = (tz: string): Interval => {
    let m = months.get(tz);
    if (!m) { m = monthBounds(input.month, tz); months.set(tz, m); }
    return m;
  };
  const reports = groupReports(input.reports, asOf);
  const exclusions = groupExclusions(input.exclusions);
  const flaps = groupFlaps(input.hiddenFlaps ?? [], wanted);

  const customers = input.customers.map((c) => {
    const month = monthIn(c.timezone);
    const services: { network?: S; power?: S } = {};
    for (const service of ['network', 'power'] as const) {
      const groups = groupsOf(c, service, index, uplinks);
      if (!groups) continue;
      services[service] = serviceOf({
        service, timezone: c.timezone, terms: c.terms, month, asOf,
        timeline: serviceTimeline(groups, asOf),
        reports: reports.get(key(c.id, service)) ?? [],
        exclusions: exclusionsFor(exclusions, c.id, service),
        hiddenFlaps: serviceSubjects(c, service).flatMap((s) => flaps.get(s) ?? []),
      });
    }
    return { id: c.id, timezone: c.timezone, services };
  });
  return { month: input.month, asOf: formatInstant(asOf, 'UTC'), customers };
}

export function subjectsOf(c: Customer): string[] {
  return [...(c.network?.ports ?? []), ...(c.network?.uplinks ?? []), ...(c.power?.feeds ?? [])];
}

/** The subjects one service of a customer is measured on, each once. */
function serviceSubjects(c: Customer, service: Service): string[] {
  const s = service === 'network' ? [...(c.network?.ports ?? []), ...(c.network?.uplinks ?? [])] : [...(c.power?.feeds ?? [])];
  return [...new Set(s)];
}

function groupFlaps(flaps: readonly HiddenFlap[], wanted: ReadonlySet<string>): Map<string, HiddenFlap[]> {
  const by = new Map<string, HiddenFlap[]>();
  for (const f of flaps) {
    if (!wanted.has(f.subject)) continue;
    const l = by.get(f.subject);
    if (l) l.push(f); else by.set(f.subject, [f]);
  }
  return by;
}

/**
 * Network: ports combined by the redundancy rule, ANDed with OR(uplinks) when
 * there are uplinks. Power: OR of the feeds. Undefined when the customer has no
 * such service.
 */
export function groupsOf(
  c: Customer, service: Service, index: ReadonlyMap<string, SubjectTimeline>, uplinks: Map<string, Group>,
): Group[] | undefined {
  if (service === 'network') {
    const n = c.network;
    if (!n || n.ports.length === 0) return undefined;
    const groups: Group[] = [{ op: n.redundancy === 'all' ? 'and' : 'or', members: timelines(index, n.ports), truth: NETWORK_TRUTH }];
    if (n.uplinks.length > 0) groups.push(uplinkGroup(index, n.uplinks, uplinks));
    return groups;
  }
  const p = c.power;
  if (!p || p.feeds.length === 0) return undefined;
  return [{ op: 'or', members: timelines(index, p.feeds), truth: POWER_TRUTH }];
}

/** OR of the uplinks, folded once per uplink list (customers behind one switch share it). */
function uplinkGroup(index: ReadonlyMap<string, SubjectTimeline>, subjects: readonly string[], cache: Map<string, Group>): Group {
  const k = subjects.join('\u0000');
  let g = cache.get(k);
  if (!g) {
    g = foldGroup({ op: 'or', members: timelines(index, subjects), truth: NETWORK_TRUTH });
    cache.set(k, g);
  }
  return g;
}

function timelines(index: ReadonlyMap<string, SubjectTimeline>, subjects: readonly string[]): SubjectTimeline[] {
  const out: SubjectTimeline[] = [];
  for (const s of subjects) out.push(timelineOf(index, s));
  return out;
}

const key = (customer: string, service: Service): string => `${customer}\u0000${service}`;

/** Reports received up to asOf, by customer and service, in order of receipt. */
function groupReports(list: readonly Report[], asOf: number): Map<string, Report[]> {
  const out = new Map<string, Report[]>();
  for (const r of list) {
    if (r.reportedAt > asOf) continue; // not received yet, as far as asOf knows
    const k = key(r.customer, r.service);
    const l = out.get(k);
    if (l) l.push(r); else out.set(k, [r]);
  }
  for (const l of out.values()) l.sort((a, b) => a.reportedAt - b.reportedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

interface ExclusionIndex { global: Exclusion[]; byCustomer: Map<string, Exclusion[]> }

function groupExclusions(list: readonly Exclusion[]): ExclusionIndex {
  const global: Exclusion[] = [], byCustomer = new Map<string, Exclusion[]>();
  for (const x of list) {
    if (!(x.end > x.start)) continue;
    if (x.customer === undefined) { global.push(x); continue; }
    const l = byCustomer.get(x.customer);
    if (l) l.push(x); else byCustomer.set(x.customer, [x]);
  }
  return { global, byCustomer };
}

function exclusionsFor(ix: ExclusionIndex, customer: string, service: Service): ExclusionWindow[] {
  const out: ExclusionWindow[] = [];
  for (const x of [...ix.global, ...(ix.byCustomer.get(customer) ?? [])]) {
    if (x.service === undefined || x.service === service) out.push(x);
  }
  return out;
}
