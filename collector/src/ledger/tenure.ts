/**
 * The tenure rule: a port (uplink, feed) counts for a customer only while a
 * version of that customer held it, and minutes go to whoever had it then.
 *
 * A customer's month may span several versions (a port reassigned mid-month).
 * The reconciler takes one spec per customer, so the live input gives it the
 * union of the versions' subjects and rewrites each subject's stream so that at
 * every instant the service state equals what the version in force at that
 * instant computes:
 *
 *  - while the subject belongs to the version in force: its measured states;
 *  - while it does not, but the version has that service: the neutral state of
 *    its group, which cannot change the group's value (`down`/`off` in an OR
 *    group: `any` ports, uplinks, feeds; `up` in an AND group: `all` ports; `up`
 *    for uplinks when the version has none, since "no uplink condition" is AND
 *    with true);
 *  - while the customer had no version, or its version lacked the service:
 *    `unknown` (the service did not exist; nothing is claimed either way).
 *
 * Why not simply `unknown` outside the tenure: with `any` ports, OR(down,
 * unknown) is unknown, so a real outage of the old port would turn into a gap
 * for the customer who had it. Why not split by tenure: the result must be one
 * `reconcile` call on one scenario, so `/sla` and the CLI agree.
 * Limits: one redundancy rule and one set of terms per month (the latest).
 */
import type { State } from '@dcprobe/shared';
import type { CustomerConfig } from '../config.ts';
import type { Observation } from '../sla/types.ts';
import type { Tenure } from './customers.ts';

export type Role = 'port' | 'uplink' | 'feed';

/** [start, end) with either the measured states (`fixed` undefined) or a fixed state. */
export interface Piece { start: number; end: number; fixed?: State }

/** The union of the specs in force over the window; redundancy, zone and terms from the latest. */
export function unionSpec(specs: readonly CustomerConfig[]): CustomerConfig {
  const last = specs[specs.length - 1]!;
  const uniq = (l: string[]) => [...new Set(l)];
  const nets = specs.flatMap((s) => (s.network ? [s.network] : []));
  const pows = specs.flatMap((s) => (s.power ? [s.power] : []));
  const lastNet = [...specs].reverse().find((s) => s.network)?.network;
  return {
    ...last,
    network: lastNet ? {
      ports: uniq(nets.flatMap((n) => n.ports)),
      redundancy: lastNet.redundancy,
      uplinks: uniq(nets.flatMap((n) => n.uplinks)),
    } : undefined,
    power: pows.length > 0 ? { feeds: uniq(pows.flatMap((p) => p.feeds)) } : undefined,
  };
}

/** What a subject of `role` is under one version's spec. */
function stateUnder(spec: CustomerConfig, subject: string, role: Role, redundancy: 'any' | 'all'): State | 'real' {
  if (role === 'feed') {
    if (!spec.power) return 'unknown';
    return spec.power.feeds.includes(subject) ? 'real' : 'off';
  }
  if (!spec.network) return 'unknown';
  if (role === 'port') return spec.network.ports.includes(subject) ? 'real' : redundancy === 'any' ? 'down' : 'up';
  if (spec.network.uplinks.length === 0) return 'up';
  return spec.network.uplinks.includes(subject) ? 'real' : 'down';
}

/** The pieces of one subject's stream for one customer, over all time. */
export function piecesFor(subject: string, role: Role, tenures: readonly Tenure[], redundancy: 'any' | 'all'): Piece[] {
  const out: Piece[] = [];
  const add = (p: Piece) => {
    const last = out[out.length - 1];
    if (last && last.end === p.start && last.fixed === p.fixed) last.end = p.end;
    else out.push(p);
  };
  let t = -Infinity;
  for (const ten of tenures) {
    if (ten.start > t) add({ start: t, end: ten.start, fixed: 'unknown' });
    const s = stateUnder(ten.version.spec, subject, role, redundancy);
    add(s === 'real' ? { start: ten.start, end: ten.end } : { start: ten.start, end: ten.end, fixed: s });
    t = ten.end;
  }
  if (t < Infinity) add({ start: t, end: Infinity, fixed: 'unknown' });
  return out;
}

/**
 * The subject's stream for this customer over [from, asOf]: measured changes
 * inside real pieces (with the state in force at a piece's start re-stamped to
 * that start), fixed states at their pieces' starts. `real` is sorted by time.
 */
export function maskObservations(subject: string, pieces: readonly Piece[], real: readonly Observation[], from: number, asOf: number): Observation[] {
  const out: Observation[] = [];
  const emit = (state: State, at: number) => {
    const last = out[out.length - 1];
    if (last && last.at === at) { last.state = state; if (out.length > 1 && out[out.length - 2]!.state === state) out.pop(); return; }
    if (last ? last.state !== state : state !== 'unknown') out.push({ subject, state, at });
  };
  let i = 0; // index into real: first observation not yet passed
  for (const p of pieces) {
    if (p.end <= from || p.start > asOf) continue;
    const a = Math.max(p.start, from);
    if (p.fixed !== undefined) { emit(p.fixed, a); continue; }
    while (i < real.length && real[i]!.at <= a) i++;
    const s0 = i > 0 ? real[i - 1] : undefined;
    if (s0) emit(s0.state, Math.max(s0.at, p.start));
    else emit('unknown', a);
    for (; i < real.length && real[i]!.at < p.end && real[i]!.at <= asOf; i++) emit(real[i]!.state, real[i]!.at);
  }
  return out;
}
