/**
 * Subject timelines and the three-valued service state (docs/sla-rules.md §2).
 *
 * Observations are indexed by subject once; a service's state is then found by a
 * k-way merge over its few subjects' timelines, keeping per-group counts of
 * true/false/unknown members so every change is evaluated in O(1).
 */
import type { Observation } from './types.ts';

/** Truth values: up/powered, down/off, unknown. */
export const F = 0;
export const T = 1;
export const U = 2;
export type Truth = typeof F | typeof T | typeof U;

/** up 0, down 1, unknown 2, mains 3, battery 4, bypass 5, off 6; anything else is unknown. */
function stateCode(state: string): number {
  // Compares against internalized literals, most frequent first: a million calls
  // cost less this way than a keyed lookup in a record.
  switch (state) {
    case 'up': return 0;
    case 'down': return 1;
    case 'mains': return 3;
    case 'unknown': return 2;
    case 'off': return 6;
    case 'battery': return 4;
    case 'bypass': return 5;
    default: return UNKNOWN_CODE;
  }
}
/** State code → truth for a network subject; power words there prove nothing, so unknown. */
export const NETWORK_TRUTH: readonly Truth[] = [T, F, U, U, U, U, U];
/** Mains, battery and bypass deliver power; off does not (docs/sla-rules.md §2). */
export const POWER_TRUTH: readonly Truth[] = [U, U, U, T, T, T, F];
const UNKNOWN_CODE = 2;

/**
 * One subject's changes, sorted by time, at most one per instant, none after asOf.
 * Views into two shared typed arrays: a million observations cost two allocations.
 */
export interface SubjectTimeline { at: Float64Array; code: Uint8Array }

const EMPTY: SubjectTimeline = { at: new Float64Array(0), code: new Uint8Array(0) };

/**
 * Groups the observations of the wanted subjects by subject (counting sort into
 * one array, O(n)), drops those after asOf, sorts a subject's changes only if they
 * came out of order (stable: of two changes at one instant the later in the input
 * wins) and keeps one change per instant.
 */
export function indexObservations(
  observations: readonly Observation[], wanted: ReadonlySet<string>, asOf: number,
): Map<string, SubjectTimeline> {
  const ids = new Map<string, number>();
  for (const s of wanted) ids.set(s, ids.size);
  const k = ids.size, n = observations.length;
  // One pass over the objects (the costly part: each is a cache miss), copying what
  // is needed into flat arrays; everything after that is sequential.
  const sid = new Int32Array(n), when = new Float64Array(n), what = new Uint8Array(n);
  const offset = new Int32Array(k + 1);
  let lastSubject: string | undefined, lastId: number | undefined;
  for (let i = 0; i < n; i++) {
    const o = observations[i]!;
    // Store order is often by subject: skip the hash lookup for a run of one subject.
    const id = o.subject === lastSubject ? lastId : ids.get(o.subject);
    lastSubject = o.subject; lastId = id;
    if (id === undefined || o.at > asOf) { sid[i] = -1; continue; }
    sid[i] = id;
    when[i] = o.at;
    what[i] = stateCode(o.state);
    offset[id + 1]!++;
  }
  for (let j = 0; j < k; j++) offset[j + 1]! += offset[j]!;
  const at = new Float64Array(offset[k]!), code = new Uint8Array(offset[k]!);
  const next = offset.slice(0, k);
  for (let i = 0; i < n; i++) {
    const id = sid[i]!;
    if (id < 0) continue;
    const p = next[id]!++;
    at[p] = when[i]!;
    code[p] = what[i]!;
  }
  const index = new Map<string, SubjectTimeline>();
  for (const [subject, id] of ids) {
    const from = offset[id]!, to = offset[id + 1]!;
    if (to > from) index.set(subject, normalise(at.subarray(from, to), code.subarray(from, to)));
  }
  return index;
}

function normalise(at: Float64Array, code: Uint8Array): SubjectTimeline {
  let sorted = true;
  for (let i = 1; i < at.length && sorted; i++) if (at[i]! < at[i - 1]!) sorted = false;
  if (!sorted) {
    const order = Array.from(at, (_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b);
    const a2 = Float64Array.from(order, (i) => at[i]!), c2 = Uint8Array.from(order, (i) => code[i]!);
    at.set(a2); code.set(c2);
  }
  // One change per instant: the last one given for that instant (in place).
  let w = 0;
  for (let i = 0; i < at.length; i++) {
    if (w > 0 && at[w - 1] === at[i]) { code[w - 1] = code[i]!; continue; }
    at[w] = at[i]!; code[w] = code[i]!; w++;
  }
  return { at: at.subarray(0, w), code: code.subarray(0, w) };
}

export function timelineOf(index: ReadonlyMap<string, SubjectTimeline>, subject: string): SubjectTimeline {
  return index.get(subject) ?? EMPTY;
}

/** Members combined with OR (`any`, uplinks, feeds) or AND (`all`). */
export interface Group { op: 'or' | 'and'; members: SubjectTimeline[]; truth: readonly Truth[] }

/**
 * Piecewise-constant service state on (-Infinity, end): segment i is
 * [starts[i], starts[i+1] ?? end) with value vals[i]; consecutive values differ.
 */
export interface ServiceTimeline { starts: number[]; vals: Truth[]; end: number }

/** The service is the AND of its groups (ports AND uplinks); each group is OR or AND of its members. */
export function serviceTimeline(groups: readonly Group[], end: number): ServiceTimeline {
  const memberTl: SubjectTimeline[] = [], memberGroup: number[] = [], memberTruth: (readonly Truth[])[] = [];
  const counts: GroupCounts[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    counts.push({ or: g.op === 'or', t: 0, f: 0, u: g.members.length });
    for (const m of g.members) { memberTl.push(m); memberGroup.push(gi); memberTruth.push(g.truth); }
  }
  const k = memberTl.length;
  const pos = new Array<number>(k).fill(0);
  const cur = new Array<Truth>(k).fill(U);

  const starts: number[] = [-Infinity];
  const vals: Truth[] = [serviceValue(counts)];
  for (;;) {
    // k is a handful of ports/uplinks/feeds: a linear scan beats a heap here.
    let m = -1, t = Infinity;
    for (let i = 0; i < k; i++) {
      const p = pos[i]!, tl = memberTl[i]!;
      if (p < tl.at.length && tl.at[p]! < t) { t = tl.at[p]!; m = i; }
    }
    if (m < 0) break;
    const next = memberTruth[m]![memberTl[m]!.code[pos[m]!]!]!;
    pos[m]!++;
    const before = cur[m]!;
    if (next === before) continue;
    const c = counts[memberGroup[m]!]!;
    if (before === T) c.t--; else if (before === F) c.f--; else c.u--;
    if (next === T) c.t++; else if (next === F) c.f++; else c.u++;
    cur[m] = next;
    const v = serviceValue(counts);
    const last = starts.length - 1;
    if (starts[last] === t) {
      // Several members changed at this instant: only the settled value counts.
      vals[last] = v;
      if (last > 0 && vals[last - 1] === v) { starts.pop(); vals.pop(); }
    } else if (v !== vals[last]) {
      starts.push(t); vals.push(v);
    }
  }
  return { starts, vals, end };
}

/** Truths of a folded group's codes: there the code is the truth. */
const FOLDED_TRUTH: readonly Truth[] = [F, T, U];

/**
 * A group folded into one member with the same truth at every instant, for a
 * group many services share (24 customers behind one switch share its uplinks):
 * the merge then walks the group's changes once, not once per customer. The
 * service state is the same, since a group's value after all changes at an
 * instant is what both ways combine. Left as it is when it would not start
 * unknown, as an unobserved member does.
 */
export function foldGroup(g: Group): Group {
  const tl = serviceTimeline([g], Infinity);
  if (tl.vals[0] !== U) return g;
  const n = tl.starts.length - 1;
  const at = new Float64Array(n), code = new Uint8Array(n);
  for (let i = 0; i < n; i++) { at[i] = tl.starts[i + 1]!; code[i] = tl.vals[i + 1]!; }
  return { op: 'or', members: [{ at, code }], truth: FOLDED_TRUTH };
}

/** How many members of a group are currently true, false, unknown. */
interface GroupCounts { or: boolean; t: number; f: number; u: number }

/** Three-valued OR / AND of a group, then AND over the groups (docs/sla-rules.md §2). */
function serviceValue(counts: readonly GroupCounts[]): Truth {
  let unknown = false;
  for (const c of counts) {
    const v = c.or ? (c.t > 0 ? T : c.u > 0 ? U : F) : (c.f > 0 ? F : c.u > 0 ? U : T);
    if (v === F) return F;
    if (v === U) unknown = true;
  }
  return unknown ? U : T;
}

/** A maximal interval of one kind; `open` when it runs up to the timeline's end (asOf). */
export interface Span { start: number; end: number; open: boolean }

/** Maximal spans whose state satisfies `want`, sorted and disjoint (touching ones merged). */
export function spansWhere(tl: ServiceTimeline, want: (v: Truth) => boolean): Span[] {
  const out: Span[] = [];
  const n = tl.starts.length;
  for (let i = 0; i < n; i++) {
    const s = tl.starts[i]!, e = i + 1 < n ? tl.starts[i + 1]! : tl.end;
    if (!want(tl.vals[i]!) || !(e > s)) continue;
    const last = out[out.length - 1];
    if (last && last.end === s) last.end = e;
    else out.push({ start: s, end: e, open: false });
    if (i === n - 1) out[out.length - 1]!.open = true;
  }
  return out;
}

/** Down-or-unknown spans, built only if a report reaches the second pass. */
export class LazySpans {
  private spans: Span[] | undefined;
  constructor(private readonly timeline: ServiceTimeline) {}
  get(): readonly Span[] {
    this.spans ??= spansWhere(this.timeline, isNotUp);
    return this.spans;
  }
}

export const isDown = (v: Truth): boolean => v === F;
export const isUnknown = (v: Truth): boolean => v === U;
/** Second pass of docs/sla-rules.md §3: down or unknown, merged. */
export const isNotUp = (v: Truth): boolean => v !== T;
