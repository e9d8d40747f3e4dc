/**
 * The state tracker: last state per subject, and an event only on a change
 * (NUT's edge-triggered rule). Pure: the caller passes the poll time.
 *
 * The first reading of a subject after start-up is emitted too, because the
 * collector needs the initial state, but it is marked `initial` so logs do not
 * call it a recovery. A transition is timed at the device's own `since`
 * (ifLastChange against sysUpTime) when that is plausible — not after the poll,
 * not before the subject's previous transition — and at the poll time otherwise.
 *
 * It is also the gate to the wire: a reading whose subject id or state the
 * protocol would refuse is rejected here, before the tracker keeps its
 * subject, so it can never reach the outbox or the hello. Evidence never
 * costs a reading: the outbox cuts evidence beyond the protocol's bounds to
 * `{ truncated: true }` and keeps the transition.
 *
 * A reading that carries a hidden flap (the source saw the port up at both
 * polls but changed in between) yields a HiddenFlap when the state did not
 * change and nothing was recorded for the subject since that earlier poll.
 */
import { PORT_STATES, POWER_STATES, SUBJECT_KINDS, isStateOf, isSubjectId } from '@dcprobe/shared';
import type { SeenVia, State, SubjectKind } from '@dcprobe/shared';
import type { Reading } from './sources/types.ts';

export type Trigger = 'poll' | 'trap';

export interface Transition {
  subject: string;
  kind: SubjectKind;
  state: State;
  /** UTC ms the new state began. */
  at: number;
  via: SeenVia;
  evidence: Record<string, unknown>;
  /** The subject's first reading since start-up: its initial state, not a recovery. */
  initial: boolean;
  /** The state before, absent when `initial`. */
  from?: State;
}

export interface SubjectState {
  subject: string;
  kind: SubjectKind;
  state: State;
  /** When the current state began (the last transition's `at`). */
  since: number;
}

/** An outage no poll saw: up at `since` (the previous poll), up again from `at`. */
export interface HiddenFlap {
  subject: string;
  since: number;
  at: number;
  evidence: Record<string, unknown>;
}

export interface Rejected {
  reading: Reading;
  problem: 'state outside the vocabulary of its kind' | 'subject id outside the protocol';
}

export interface Observed {
  transitions: Transition[];
  flaps: HiddenFlap[];
  /** Readings the wire would refuse; the caller logs and counts them. */
  rejected: Rejected[];
}

/** What makes a reading one the wire would refuse. */
function problemOf(r: Reading): Rejected['problem'] | null {
  if (!isSubjectId(r.subject)) return 'subject id outside the protocol';
  if (!isStateOf(r.kind, r.state)) return 'state outside the vocabulary of its kind';
  return null;
}

const KINDS: readonly SubjectKind[] = SUBJECT_KINDS;
const STATES: readonly State[] = [...new Set<State>([...PORT_STATES, ...POWER_STATES])];

/**
 * Every subject's current kind, state and since, packed in typed arrays
 * beside one map from subject id to slot: a large agent keeps 100,000 of
 * them, and an object each (with its since boxed) cost ~60 bytes more.
 */
class Table {
  private readonly slots = new Map<string, number>();
  private kinds = new Uint8Array(256);
  private states = new Uint8Array(256);
  private sinces = new Float64Array(256);

  slot(subject: string): number | undefined { return this.slots.get(subject); }
  kind(i: number): SubjectKind { return KINDS[this.kinds[i]!]!; }
  state(i: number): State { return STATES[this.states[i]!]!; }
  since(i: number): number { return this.sinces[i]!; }

  set(subject: string, kind: SubjectKind, state: State, since: number): void {
    let i = this.slots.get(subject);
    if (i === undefined) {
      i = this.slots.size;
      if (i === this.kinds.length) this.grow();
      this.slots.set(subject, i);
    }
    this.kinds[i] = KINDS.indexOf(kind);
    this.states[i] = STATES.indexOf(state);
    this.sinces[i] = since;
  }

  entries(): IterableIterator<[string, number]> { return this.slots.entries(); }

  private grow(): void {
    const n = this.kinds.length * 2;
    const k = new Uint8Array(n), st = new Uint8Array(n), si = new Float64Array(n);
    k.set(this.kinds); st.set(this.states); si.set(this.sinces);
    this.kinds = k; this.states = st; this.sinces = si;
  }
}

export class Tracker {
  private readonly subjects = new Table();

  observe(readings: readonly Reading[], pollAt: number, trigger: Trigger = 'poll'): Observed {
    const transitions: Transition[] = [];
    const flaps: HiddenFlap[] = [];
    const rejected: Rejected[] = [];
    for (const r of readings) {
      const problem = problemOf(r);
      if (problem) { rejected.push({ reading: r, problem }); continue; }
      const t = this.subjects;
      const i = t.slot(r.subject);
      const known = i !== undefined;
      const prevState = known ? t.state(i) : undefined;
      const prevSince = known ? t.since(i) : undefined;
      if (known && prevState === r.state && t.kind(i) === r.kind) {
        const f = r.hiddenFlap;
        // A transition recorded after that earlier poll (a trap) already told the story.
        if (f && r.state === 'up' && prevSince! <= f.since && f.since <= f.at && f.at <= pollAt) {
          flaps.push({ subject: r.subject, since: f.since, at: Math.round(f.at), evidence: r.evidence ?? {} });
        }
        continue;
      }
      // A poll that began before the subject's last transition (a trap seen while the
      // poll was in flight) may describe the world before that change: stale, not a flap.
      if (known && pollAt < prevSince!) continue;
      const useSince = plausibleSince(r.since, pollAt, prevSince);
      const at = useSince ? Math.round(r.since!) : pollAt;
      const via: SeenVia = r.via ?? (useSince ? 'lastchange' : trigger === 'trap' ? 'trap' : 'poll');
      t.set(r.subject, r.kind, r.state, at);
      transitions.push({
        subject: r.subject, kind: r.kind, state: r.state, at, via, evidence: r.evidence ?? {},
        initial: !known, ...(known ? { from: prevState! } : {}),
      });
    }
    return { transitions, flaps, rejected };
  }

  /**
   * Readings that put the given subjects in `unknown` (a source that throws:
   * its device is unreachable, which says nothing about the port or feed).
   * Subjects never seen are skipped: their kind is not known yet.
   */
  unknownReadings(subjects: Iterable<string>, evidence: Record<string, unknown>): Reading[] {
    const out: Reading[] = [];
    for (const s of subjects) {
      const i = this.subjects.slot(s);
      if (i === undefined || this.subjects.state(i) === 'unknown') continue;
      const kind = this.subjects.kind(i);
      // Every port event carries ifAdminStatus (docs/protocol.md); here nothing was read: null.
      out.push({ subject: s, kind, state: 'unknown', evidence: kind === 'port' ? { ...evidence, ifAdminStatus: null, admin: null } : evidence });
    }
    return out;
  }

  get(subject: string): SubjectState | undefined {
    const i = this.subjects.slot(subject);
    return i === undefined ? undefined : this.at(subject, i);
  }

  /** Every subject's current state, for the hello. */
  snapshot(): SubjectState[] {
    return [...this.subjects.entries()].map(([subject, i]) => this.at(subject, i));
  }

  private at(subject: string, i: number): SubjectState {
    return { subject, kind: this.subjects.kind(i), state: this.subjects.state(i), since: this.subjects.since(i) };
  }
}

function plausibleSince(since: number | undefined, pollAt: number, prevSince: number | undefined): boolean {
  if (since === undefined || !Number.isFinite(since) || since < 0) return false;
  if (since > pollAt) return false;
  // Equal to the previous transition means the device clock did not move: stale, not a new change.
  return prevSince === undefined || since > prevSince;
}
