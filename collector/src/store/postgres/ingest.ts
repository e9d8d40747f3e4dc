/**
 * Commits a group of agent frames in ONE PostgreSQL transaction: the fence
 * (sessions.ts), the events (state changes to observations, hidden flaps to
 * hidden_flaps), the rejected events and the agents' cursors.
 * It resolves only once COMMIT has returned, and every connection runs with
 * synchronous_commit on (connect.ts), so the WAL holding the group is
 * flushed (and on a synchronous standby) before the caller may ack: losing
 * the collector's host then loses nothing acked.
 *
 * Exactly-once across collectors is the unique (agent_id, seq) index:
 * ON CONFLICT DO NOTHING RETURNING tells which seqs were new; the others
 * were stored before, by this collector or another, and are acked again.
 * Hidden flaps have the same guard on their own table: an agent numbers
 * both kinds from one sequence, so a seq is new in one table or in neither.
 *
 * A subject belongs to the first agent whose event for it was committed, by
 * any collector: the subjects a group gives to their first agent (the
 * admission's claims) go into subject_owners in the same transaction, and if
 * another agent holds one already the whole group is rolled back and refused
 * with SubjectsTakenError naming the owners (the queue then prepares it again,
 * those events refused). Claims are rare, one per subject ever, so a group
 * without any costs nothing more.
 *
 * One statement per table for the whole group, its rows as arrays through
 * unnest(): one prepared statement whatever the group's size. Per frame of
 * 100 events it cost the server far less than COPY through a temp table
 * (about 24 vs 33 µs per event); in groups of 2,500 rows COPY was about
 * 10 % cheaper, not enough for a temp table per connection and a second
 * dependency (bench/tools/pg-ingest-forms.ts).
 */
import type pg from 'pg';
import type { AgentEvent } from '@dcprobe/shared';
import { SubjectsTakenError } from '../taken.ts';
import type { SubjectClaim } from '../types.ts';
import { inTransaction } from './tx.ts';
import { lockSessions } from './sessions.ts';
import { insertingObservations } from './locks.ts';

/** One agent frame's share of a commit. */
export interface Frame {
  agentId: string;
  /** The epoch of this collector's session for the agent (sessions.ts claimSession). */
  epoch: number;
  receivedAt: number;
  /** Validated events: state changes and hidden flaps. */
  events: readonly AgentEvent[];
  /** Events that failed validation, kept verbatim; their seqs count as consumed. */
  rejects: readonly { seq: number | null; reason: string; raw: string }[];
  /** The agent's ack cursor once this frame is committed. */
  committed: number;
}

export type FrameOutcome =
  | { agentId: string; fenced: false; inserted: number[]; duplicate: number[] }
  /** Another collector took the agent's session over: nothing was written; do not ack, close the session. */
  | { agentId: string; fenced: true };

const INSERT_EVENTS = `INSERT INTO observations (agent_id, seq, subject, kind, state, at, via, evidence, received_at)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::bigint[])
  ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING
  RETURNING agent_id, seq`;

const INSERT_FLAPS = `INSERT INTO hidden_flaps (agent_id, seq, subject, since, at, evidence, received_at)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[])
  ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING
  RETURNING agent_id, seq`;

const INSERT_REJECTS = `INSERT INTO rejected_events (agent_id, seq, received_at, reason, raw)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
  ON CONFLICT (agent_id, seq) WHERE seq IS NOT NULL DO NOTHING`;

// greatest(): frames of one agent may commit out of order on two connections; a cursor never goes back.
const ADVANCE_CURSORS = `INSERT INTO agents (id, committed_seq, first_seen, last_seen)
  SELECT id, max(c), min(t), max(t) FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(id, c, t) GROUP BY id ORDER BY id
  ON CONFLICT (id) DO UPDATE SET committed_seq = greatest(agents.committed_seq, excluded.committed_seq),
    last_seen = greatest(coalesce(agents.last_seen, 0), excluded.last_seen)`;

// A claim another transaction holds uncommitted waits for it; one it committed is skipped, and read back below.
const CLAIM_SUBJECTS = `INSERT INTO subject_owners (subject, agent_id, claimed_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (subject) DO NOTHING
  RETURNING subject`;

/** Commits the frames; resolves with one outcome per frame, in order, once the commit is durable. */
export async function commitFrames(pool: pg.Pool, frames: readonly Frame[], claims: readonly SubjectClaim[] = []): Promise<FrameOutcome[]> {
  return inTransaction(pool, 'commit of agent frames', async (c) => {
    const live = await lockSessions(c, uniqueSessions(frames));
    const mine = frames.filter((f) => live.has(f.agentId));
    await claimSubjects(c, claims.filter((x) => live.has(x.agentId)), mine[0]?.receivedAt ?? 0);
    if (mine.length > 0) await insertingObservations(c);
    const inserted = await insertEvents(c, mine);
    await insertFlaps(c, mine, inserted);
    await insertRejects(c, mine);
    await advanceCursors(c, mine);
    return frames.map((f) => outcome(f, live, inserted)); // handed out by inTransaction once COMMIT returned
  });
}

/**
 * Records the subjects' first agents; throws SubjectsTakenError (the
 * transaction then rolls back) for those another agent holds already.
 */
async function claimSubjects(c: pg.PoolClient, unsorted: readonly SubjectClaim[], at: number): Promise<void> {
  if (unsorted.length === 0) return;
  // In one order on every collector: two commits claiming the same subjects wait for each other, never deadlock.
  const claims = [...unsorted].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  const r = await c.query<{ subject: string }>({ name: 'dcprobe_claim_subjects', text: CLAIM_SUBJECTS, values: [claims.map((x) => x.subject), claims.map((x) => x.agentId), claims.map(() => at)] });
  if (r.rows.length === claims.length) return;
  const got = new Set(r.rows.map((x) => x.subject));
  const rest = claims.filter((x) => !got.has(x.subject));
  // A statement of its own: READ COMMITTED sees here what a concurrent claim committed meanwhile.
  const held = await c.query<{ subject: string; agent_id: string }>('SELECT subject, agent_id FROM subject_owners WHERE subject = ANY($1::text[])', [rest.map((x) => x.subject)]);
  const owner = new Map(held.rows.map((x) => [x.subject, x.agent_id]));
  // Held by the very agent that claims it (the claim of another collector's admission for the same agent): its own.
  const taken = new Map(rest.filter((x) => owner.get(x.subject) !== x.agentId).map((x) => [x.subject, owner.get(x.subject)!]));
  if (taken.size > 0) throw new SubjectsTakenError(taken);
}

function uniqueSessions(frames: readonly Frame[]): { agentId: string; epoch: number }[] {
  const m = new Map<string, number>();
  for (const f of frames) m.set(f.agentId, f.epoch);
  return [...m].map(([agentId, epoch]) => ({ agentId, epoch }));
}

/** Inserts every frame's events in one statement; returns the new seqs per agent. */
async function insertEvents(c: pg.PoolClient, frames: readonly Frame[]): Promise<Map<string, Set<number>>> {
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
  for (const f of frames) {
    for (const e of f.events) {
      if (e.kind === 'hidden-flap') continue; // insertFlaps
      cols[0]!.push(f.agentId); cols[1]!.push(e.seq); cols[2]!.push(e.subject); cols[3]!.push(e.kind); cols[4]!.push(e.state);
      cols[5]!.push(e.at); cols[6]!.push(e.via); cols[7]!.push(e.evidence === undefined ? null : JSON.stringify(e.evidence)); cols[8]!.push(f.receivedAt);
    }
  }
  const fresh = new Map<string, Set<number>>();
  if (cols[0]!.length === 0) return fresh;
  const r = await c.query<{ agent_id: string; seq: number }>({ name: 'dcprobe_insert_events', text: INSERT_EVENTS, values: cols });
  addFresh(fresh, r.rows);
  return fresh;
}

/** Inserts every frame's hidden flaps in one statement, adding the new seqs to `fresh`. */
async function insertFlaps(c: pg.PoolClient, frames: readonly Frame[], fresh: Map<string, Set<number>>): Promise<void> {
  const cols: unknown[][] = [[], [], [], [], [], [], []];
  for (const f of frames) {
    for (const e of f.events) {
      if (e.kind !== 'hidden-flap') continue;
      cols[0]!.push(f.agentId); cols[1]!.push(e.seq); cols[2]!.push(e.subject); cols[3]!.push(e.since); cols[4]!.push(e.at);
      cols[5]!.push(e.evidence === undefined ? null : JSON.stringify(e.evidence)); cols[6]!.push(f.receivedAt);
    }
  }
  if (cols[0]!.length === 0) return;
  const r = await c.query<{ agent_id: string; seq: number }>({ name: 'dcprobe_insert_flaps', text: INSERT_FLAPS, values: cols });
  addFresh(fresh, r.rows);
}

function addFresh(fresh: Map<string, Set<number>>, rows: readonly { agent_id: string; seq: number }[]): void {
  for (const row of rows) {
    let s = fresh.get(row.agent_id);
    if (!s) fresh.set(row.agent_id, (s = new Set()));
    s.add(row.seq);
  }
}

async function insertRejects(c: pg.PoolClient, frames: readonly Frame[]): Promise<void> {
  const cols: unknown[][] = [[], [], [], [], []];
  for (const f of frames) for (const x of f.rejects) { cols[0]!.push(f.agentId); cols[1]!.push(x.seq); cols[2]!.push(f.receivedAt); cols[3]!.push(x.reason); cols[4]!.push(x.raw); }
  if (cols[0]!.length > 0) await c.query({ name: 'dcprobe_insert_rejects', text: INSERT_REJECTS, values: cols });
}

async function advanceCursors(c: pg.PoolClient, frames: readonly Frame[]): Promise<void> {
  if (frames.length === 0) return;
  await c.query({ name: 'dcprobe_advance_cursors', text: ADVANCE_CURSORS, values: [frames.map((f) => f.agentId), frames.map((f) => f.committed), frames.map((f) => f.receivedAt)] });
}

function outcome(f: Frame, live: Set<string>, inserted: Map<string, Set<number>>): FrameOutcome {
  if (!live.has(f.agentId)) return { agentId: f.agentId, fenced: true };
  const fresh = inserted.get(f.agentId);
  const o: FrameOutcome = { agentId: f.agentId, fenced: false, inserted: [], duplicate: [] };
  // A seq sent twice in one group is new once: the first frame takes it.
  for (const e of f.events) {
    if (fresh?.delete(e.seq)) o.inserted.push(e.seq); else o.duplicate.push(e.seq);
  }
  return o;
}
