/**
 * toScenario: the inverse of parseScenario. Renders a typed input as the scenario
 * file that reproduces it offline (every term spelt out, instants with the
 * customer's offset), so `parseScenario(toScenario(x))` reconciles like x.
 */
import { formatInstant } from '@dcprobe/shared';
import type { Customer, ReconcileInput, ServiceTerms } from './types.ts';

type Json = Record<string, unknown>;

export function toScenario(input: ReconcileInput): Json {
  const zoneOf = new Map(input.customers.map((c) => [c.id, c.timezone]));
  // A subject's times are shown in the zone of the first customer that uses it.
  const subjectZone = new Map<string, string>();
  for (const c of input.customers) {
    for (const s of [...(c.network?.ports ?? []), ...(c.network?.uplinks ?? []), ...(c.power?.feeds ?? [])]) {
      if (!subjectZone.has(s)) subjectZone.set(s, c.timezone);
    }
  }
  const mainZone = input.customers[0]?.timezone ?? 'UTC';
  const iso = (ms: number, tz: string | undefined): string => formatInstant(ms, tz ?? 'UTC');

  const out: Json = {};
  if (input.title !== undefined) out.title = input.title;
  out.month = input.month;
  out.asOf = iso(input.asOf, mainZone);
  out.customers = input.customers.map(customerJson);
  out.observations = input.observations.map((o) => ({
    subject: o.subject, state: o.state, at: iso(o.at, subjectZone.get(o.subject)), ...(o.admin !== undefined ? { admin: o.admin } : {}),
  }));
  out.reports = input.reports.map((r) => {
    const tz = zoneOf.get(r.customer);
    const j: Json = { id: r.id, customer: r.customer, service: r.service, reportedAt: iso(r.reportedAt, tz) };
    if (r.noticeAt !== undefined) j.noticeAt = iso(r.noticeAt, tz);
    if (r.claimedStart !== undefined) j.claimedStart = iso(r.claimedStart, tz);
    if (r.claimedEnd !== undefined) j.claimedEnd = iso(r.claimedEnd, tz);
    if (r.firstResponseAt !== undefined) j.firstResponseAt = iso(r.firstResponseAt, tz);
    return j;
  });
  out.exclusions = input.exclusions.map((x) => {
    const tz = x.customer === undefined ? mainZone : zoneOf.get(x.customer);
    const j: Json = { id: x.id };
    if (x.customer !== undefined) j.customer = x.customer;
    if (x.service !== undefined) j.service = x.service;
    Object.assign(j, { start: iso(x.start, tz), end: iso(x.end, tz), category: x.category, ref: x.ref });
    return j;
  });
  if (input.hiddenFlaps?.length) {
    out.hiddenFlaps = input.hiddenFlaps.map((f) => ({ subject: f.subject, since: iso(f.since, subjectZone.get(f.subject)), at: iso(f.at, subjectZone.get(f.subject)) }));
  }
  return out;
}

function customerJson(c: Customer): Json {
  const j: Json = { id: c.id, timezone: c.timezone };
  if (c.network) j.network = { ports: [...c.network.ports], redundancy: c.network.redundancy, uplinks: [...c.network.uplinks] };
  if (c.power) j.power = { feeds: [...c.power.feeds] };
  const t = c.terms;
  j.terms = {
    network: serviceTermsJson(t.network),
    power: serviceTermsJson(t.power),
    reportDeadlineDays: t.reportDeadlineDays,
    graceMinutes: t.graceMinutes,
    unverified: t.unverified,
  };
  return j;
}

function serviceTermsJson(t: ServiceTerms): Json {
  return t.maxDowntimeMinutes === undefined ? { target: t.target } : { target: t.target, maxDowntimeMinutes: t.maxDowntimeMinutes };
}
