/**
 * What an authenticated agent may write, decided per event before the commit:
 *
 * - A subject belongs to one agent: the one the config names for its device
 *   (`agents[].devices`), else the first agent whose event for it was
 *   committed. Another agent's events for it are refused: a token for one rack
 *   must not write another rack's history.
 * - `at` is bounded: not after receipt plus the allowed clock skew (an event
 *   dated 2100 would hold a subject's current state for good), not before the
 *   history horizon.
 * - An agent owns at most `subjectsPerAgent` subjects: one token cannot grow
 *   the metrics and the store without bound.
 * - A seq the agent already sent, sent again with other content, is refused
 *   (not taken for a duplicate): the ingest queue remembers a fingerprint of
 *   each agent's last PRINT_WINDOW seqs, which covers any resend of an
 *   unacked window; older seqs and seqs from before a restart are duplicates
 *   as before.
 *
 * Refused events are kept, verbatim with the reason, as rejected events.
 * Ownership is rebuilt at start from the current states (under this rule every
 * subject's latest observation is its owner's). Collectors sharing a store
 * each keep their own view: the subjects a commit gives to their first agent
 * go with it (`pending()`), a store that several collectors write records
 * them and refuses a commit that claims one another agent holds already, and
 * the owners it names are then learnt here (`learn()`).
 */
import type { AgentEvent } from '@dcprobe/shared';
import type { CurrentState, SubjectClaim } from '../store/types.ts';

export const REFUSALS = ['foreign_subject', 'future', 'too_old', 'subject_cap', 'seq_conflict'] as const;
export type Refusal = (typeof REFUSALS)[number];

export interface AdmissionLimits {
  /** How far after its receipt an event's `at` may be (agents' clock skew). */
  futureMs: number;
  /** How far before its receipt an event's `at` may be. */
  historyMs: number;
  subjectsPerAgent: number;
}

/** Seqs per agent whose content is remembered, to tell a resend from a replay with other content. */
export const PRINT_WINDOW = 20_000;

const deviceOf = (subject: string) => subject.slice(0, Math.max(0, subject.indexOf('/')));
/** A hidden flap has no state: its start (`since`) stands in its place. */
const fingerprint = (e: AgentEvent) => `${e.subject}\t${e.kind}\t${'state' in e ? e.state : e.since}\t${e.at}\t${e.via}`;

export class Admission {
  private readonly owners = new Map<string, string>();
  private readonly owned = new Map<string, number>();
  private readonly prints = new Map<string, Map<number, string>>();
  /** Subjects claimed by the commit in flight: released if it fails. */
  private claims: string[] = [];

  constructor(
    private readonly limits: AdmissionLimits,
    /** Device → agent, from the config. */
    private readonly devices: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Owners as the store holds them: each subject's latest observation's agent. */
  load(states: Iterable<CurrentState>): void {
    for (const s of states) if (s.agentId !== null && !this.owners.has(s.subject)) this.own(s.subject, s.agentId);
  }

  /** The agent a subject belongs to, or undefined while nobody has reported it. */
  owner(subject: string): string | undefined {
    return this.devices.get(deviceOf(subject)) ?? this.owners.get(subject);
  }

  /** Why a new (not yet held) event must be refused, or null; a subject it is the first to report becomes the agent's. */
  check(agentId: string, e: AgentEvent, receivedAt: number): Refusal | null {
    if (e.at > receivedAt + this.limits.futureMs) return 'future';
    if (e.at < receivedAt - this.limits.historyMs) return 'too_old';
    const owner = this.owner(e.subject);
    if (owner !== undefined) return owner === agentId ? this.remember(agentId, e) : 'foreign_subject';
    if ((this.owned.get(agentId) ?? 0) >= this.limits.subjectsPerAgent) return 'subject_cap';
    this.own(e.subject, agentId);
    this.claims.push(e.subject);
    return this.remember(agentId, e);
  }

  /** An event whose seq the agent's cursor already holds: null if it is a plain resend, else why not. */
  checkRepeat(agentId: string, e: AgentEvent): Refusal | null {
    const known = this.prints.get(agentId)?.get(e.seq);
    return known === undefined || known === fingerprint(e) ? null : 'seq_conflict';
  }

  /** The subjects the commit in flight gives to their first agent. */
  pending(): SubjectClaim[] {
    return this.claims.map((subject) => ({ subject, agentId: this.owners.get(subject)! }));
  }

  /** Owners the store holds that this view lacked (another collector committed them): after failed(), so no claim is left over them. */
  learn(owners: ReadonlyMap<string, string>): void {
    for (const [subject, agentId] of owners) if (!this.owners.has(subject)) this.own(subject, agentId);
  }

  /** The commit in flight succeeded: its claims stand. */
  committed(): void { this.claims = []; }

  /** The commit in flight failed: nothing it claimed was stored. */
  failed(): void {
    for (const s of this.claims) {
      const a = this.owners.get(s);
      if (a === undefined) continue;
      this.owners.delete(s);
      this.owned.set(a, (this.owned.get(a) ?? 1) - 1);
    }
    this.claims = [];
  }

  private own(subject: string, agentId: string): void {
    this.owners.set(subject, agentId);
    this.owned.set(agentId, (this.owned.get(agentId) ?? 0) + 1);
  }

  private remember(agentId: string, e: AgentEvent): null {
    let p = this.prints.get(agentId);
    if (!p) { p = new Map(); this.prints.set(agentId, p); }
    p.set(e.seq, fingerprint(e));
    if (p.size > PRINT_WINDOW) p.delete(p.keys().next().value!);
    return null;
  }
}
