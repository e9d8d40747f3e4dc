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
 * It is also the gate to the wire: a reading whose subject id, state or
 * evidence the protocol would refuse is rejected here, before the tracker
 * keeps its subject, so it can never reach the outbox or the hello.
 *
 * A reading that carries a hidden flap (the source saw the port up at both
 * polls but changed in between) yields a HiddenFlap when the state did not
 * change and nothing was recorded for the subject since that earlier poll.
 */
import { isEvidence, isStateOf, isSubjectId } from '@dcprobe/shared';
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
  problem: 'state outside the vocabulary of its kind' | 'subject id outside the protocol' | 'evidence outside the protocol';
}

export interface Observed {
  transitions: Transition[];
  flaps: HiddenFlap[];
  /** Readings the wire would refuse; the caller logs and counts them. */
  rejected: Rejected[];
}

/** What makes a reading one the wire would refuse; evidence is looked at only when it is about to be sent. */
function problemOf(r: Reading, sending: boolean): Rejected['problem'] | null {
  if (!isSubjectId(r.subject)) return 'subject id outside the protocol';
  if (!isStateOf(r.kind, r.state)) return 'state outside the vocabulary of its kind';
  if (sending && r.evidence !== undefined && !isEvidence(r.evidence)) return 'evidence outside the protocol';
  return null;
}

/** What the tracker keeps of a subject (its id is the key: 100,000 of these in a large agent). */
type Held = Omit<SubjectState, 'subject'>;

export class Tracker {
  private readonly subjects = new Map<string, Held>();

  observe(readings: readonly Reading[], pollAt: number, trigger: Trigger = 'poll'): Observed {
    const transitions: Transition[] = [];
    const flaps: HiddenFlap[] = [];
    const rejected: Rejected[] = [];
    for (const r of readings) {
      let problem = problemOf(r, false);
      if (problem) { rejected.push({ reading: r, problem }); continue; }
      const prev = this.subjects.get(r.subject);
      if (prev && prev.state === r.state && prev.kind === r.kind) {
        const f = r.hiddenFlap;
        // A transition recorded after that earlier poll (a trap) already told the story.
        if (f && r.state === 'up' && prev.since <= f.since && f.since <= f.at && f.at <= pollAt) {
          problem = problemOf(r, true);
          if (problem) rejected.push({ reading: r, problem });
          else flaps.push({ subject: r.subject, since: f.since, at: Math.round(f.at), evidence: r.evidence ?? {} });
        }
        continue;
      }
      problem = problemOf(r, true);
      if (problem) { rejected.push({ reading: r, problem }); continue; }
      // A poll that began before the subject's last transition (a trap seen while the
      // poll was in flight) may describe the world before that change: stale, not a flap.
      if (prev && pollAt < prev.since) continue;
      const useSince = plausibleSince(r.since, pollAt, prev?.since);
      const at = useSince ? Math.round(r.since!) : pollAt;
      const via: SeenVia = r.via ?? (useSince ? 'lastchange' : trigger === 'trap' ? 'trap' : 'poll');
      this.subjects.set(r.subject, { kind: r.kind, state: r.state, since: at });
      transitions.push({
        subject: r.subject, kind: r.kind, state: r.state, at, via, evidence: r.evidence ?? {},
        initial: prev === undefined, ...(prev ? { from: prev.state } : {}),
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
      const cur = this.subjects.get(s);
      if (cur && cur.state !== 'unknown') out.push({ subject: s, kind: cur.kind, state: 'unknown', evidence });
    }
    return out;
  }

  get(subject: string): SubjectState | undefined {
    const s = this.subjects.get(subject);
    return s && { subject, kind: s.kind, state: s.state, since: s.since };
  }

  /** Every subject's current state, for the hello. */
  snapshot(): SubjectState[] {
    return [...this.subjects].map(([subject, s]) => ({ subject, kind: s.kind, state: s.state, since: s.since }));
  }
}

function plausibleSince(since: number | undefined, pollAt: number, prevSince: number | undefined): boolean {
  if (since === undefined || !Number.isFinite(since) || since < 0) return false;
  if (since > pollAt) return false;
  // Equal to the previous transition means the device clock did not move: stale, not a new change.
  return prevSince === undefined || since > prevSince;
}
