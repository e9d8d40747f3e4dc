/**
 * Deterministic synthetic input for the reconciler benchmark (default: 10,000
 * customers, 1,000,000 observations, 20,000 reports, month 2026-11). Same options,
 * same input: a seeded PRNG drives every choice, no clock is read.
 *
 * Shape: 24 customers per switch (2 uplinks each) and per UPS; a third of the
 * customers have two ports (`any` or `all`) and two feeds; subjects flap down or
 * unknown for 1-90 minutes; half the reports follow a real outage, the rest are
 * claims of their own; a few exclusions, two of them global.
 */
import type {
  Customer, Exclusion, Observation, ReconcileInput, Report, Service,
} from '../collector/src/sla/types.ts';
import { defaultTerms, EXCLUSION_CATEGORIES } from '../collector/src/sla/types.ts';
import type { State } from '@dcprobe/shared';

export interface SlaDataOptions {
  customers?: number;
  observations?: number;
  reports?: number;
  seed?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2026-10-31T00:00:00+08:00: every subject's first state, before the month. */
const FIRST = Date.UTC(2026, 9, 30, 16);
/** The span where changes happen: Nov 2026 with a day of slack on either side (any zone). */
const FROM = Date.UTC(2026, 9, 31, 0);
const TO = Date.UTC(2026, 11, 2, 0);
const AS_OF = Date.UTC(2026, 11, 4, 16); // 2026-12-05T00:00:00+08:00
const ZONES = ['Asia/Shanghai', 'Asia/Shanghai', 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York'];

/** mulberry32: tiny, fast, and good enough to spread synthetic events. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Excursion { subject: string; start: number; end: number }

export function buildSlaInput(opts: SlaDataOptions = {}): ReconcileInput {
  const nCustomers = opts.customers ?? 10_000;
  const nObservations = opts.observations ?? 1_000_000;
  const nReports = opts.reports ?? 20_000;
  const rnd = prng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  const customers: Customer[] = [];
  const netSubjects: string[] = [], powerSubjects = new Set<string>();
  const portsOf = new Map<string, string[]>();
  for (let i = 0; i < nCustomers; i++) {
    const sw = `sw${Math.floor(i / 24)}`, ups = `ups${Math.floor(i / 24)}`;
    const slot = i % 24;
    const two = rnd() < 1 / 3;
    const ports = two ? [`${sw}/ge-0/0/${2 * slot}`, `${sw}/ge-0/0/${2 * slot + 1}`] : [`${sw}/ge-0/0/${2 * slot}`];
    const uplinks = [`${sw}/xe-0/1/0`, `${sw}/xe-0/1/1`];
    const feeds = two ? [`${ups}/output`, `pdu${Math.floor(i / 24)}/feed-${slot}`] : [`${ups}/output`];
    if (slot === 0) netSubjects.push(...uplinks);
    netSubjects.push(...ports);
    for (const f of feeds) powerSubjects.add(f);
    const terms = defaultTerms();
    if (rnd() < 0.1) terms.network.maxDowntimeMinutes = 44;
    if (rnd() < 0.05) terms.unverified = 'exclude';
    const id = `cust-${String(i).padStart(5, '0')}`;
    portsOf.set(id, ports);
    customers.push({
      id, timezone: pick(ZONES), terms,
      network: { ports, redundancy: two && rnd() < 0.3 ? 'all' : 'any', uplinks },
      power: { feeds },
    });
  }
  const uniquePower = [...powerSubjects];

  // Each subject: a first state before the month, then excursions of two changes each.
  const subjects = [...netSubjects.map((s) => ({ s, net: true })), ...uniquePower.map((s) => ({ s, net: false }))];
  const observations: Observation[] = [];
  const excursions = new Map<string, Excursion[]>();
  const perSubject = Math.max(0, Math.floor((nObservations - subjects.length) / subjects.length / 2));
  let extra = nObservations - subjects.length - perSubject * 2 * subjects.length;
  for (const { s, net } of subjects) {
    const good: State = net ? 'up' : 'mains';
    observations.push({ subject: s, state: good, at: FIRST });
    let n = perSubject;
    if (extra >= 2) { n++; extra -= 2; }
    const slice = (TO - FROM) / Math.max(1, n);
    const list: Excursion[] = [];
    for (let k = 0; k < n; k++) {
      const start = Math.floor(FROM + k * slice + rnd() * slice * 0.5);
      const end = Math.min(start + Math.floor(MIN + rnd() * 89 * MIN), Math.floor(FROM + (k + 1) * slice) - 1);
      const bad: State = rnd() < 0.15 ? 'unknown' : net ? 'down' : pick(['off', 'battery', 'off'] as const);
      observations.push({ subject: s, state: bad, at: start }, { subject: s, state: good, at: end });
      list.push({ subject: s, start, end });
    }
    excursions.set(s, list);
  }
  // An odd remainder: a repeated state, which is no change (the reconciler must take it as such).
  if (extra > 0 && subjects[0]) {
    const { s, net } = subjects[0];
    const ex = excursions.get(s)?.[0];
    observations.push({ subject: s, state: net ? 'up' : 'mains', at: ex ? ex.end + 1 : FIRST + 1 });
  }
  // Changes in time order, as the store hands them over.
  observations.sort((a, b) => a.at - b.at || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));

  const reports: Report[] = [];
  for (let i = 0; i < nReports; i++) {
    const c = customers[i % nCustomers]!;
    const service: Service = rnd() < 0.7 ? 'network' : 'power';
    const subjectList = service === 'network' ? portsOf.get(c.id)! : c.power!.feeds;
    const ex = pick(excursions.get(pick(subjectList)) ?? []);
    const id = `T-${String(i).padStart(6, '0')}`;
    if (ex && i % 2 === 0) {
      // Follows a real excursion: reported during it or up to two days after.
      const r = rnd() < 0.7 ? ex.start + Math.floor(rnd() * 15 * MIN) : ex.end + Math.floor(rnd() * 2 * DAY);
      const rep: Report = { id, customer: c.id, service, reportedAt: r };
      if (rnd() < 0.9) rep.noticeAt = Math.max(r, ex.end) + Math.floor(rnd() * 30 * MIN);
      if (rnd() < 0.4) { rep.claimedStart = ex.start - 5 * MIN; rep.claimedEnd = ex.end + 5 * MIN; }
      if (rnd() < 0.5) rep.firstResponseAt = r + Math.floor(rnd() * 3 * HOUR);
      reports.push(rep);
    } else {
      const r = FROM + Math.floor(rnd() * (TO - FROM));
      reports.push({ id, customer: c.id, service, reportedAt: r, noticeAt: r + Math.floor(rnd() * 2 * HOUR) });
    }
  }

  const exclusions: Exclusion[] = [];
  for (let i = 0; i < Math.ceil(nCustomers / 50); i++) {
    const c = customers[Math.floor(rnd() * nCustomers)]!;
    const start = FROM + Math.floor(rnd() * (TO - FROM));
    exclusions.push({
      id: `X-${i}`, customer: c.id, service: rnd() < 0.5 ? 'network' : undefined,
      start, end: start + Math.floor(rnd() * 4 * HOUR), category: pick(EXCLUSION_CATEGORIES), ref: `REF-${i}`,
    });
  }
  const g = FROM + 10 * DAY;
  exclusions.push(
    { id: 'X-global-1', start: g, end: g + 2 * HOUR, category: 'maintenance', ref: 'MAINT-2026-11' },
    { id: 'X-global-2', service: 'power', start: g + 5 * DAY, end: g + 5 * DAY + HOUR, category: 'force_majeure', ref: 'FM-7' },
  );
  return { title: 'synthetic benchmark input', month: '2026-11', asOf: AS_OF, customers, observations, reports, exclusions };
}
