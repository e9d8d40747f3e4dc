/**
 * The agent ↔ collector wire protocol, version 1. JSON text frames over one
 * WebSocket. Both ends validate every frame with these schemas.
 *
 * Delivery is at-least-once with an exactly-once effect: the agent numbers
 * events (seq, 1, 2, 3 …, never reused), keeps them until acked, and resends on
 * reconnect; the collector commits before it acks and ignores an
 * (agentId, seq) it already holds. `ack.seq` is the highest seq up to which
 * every event is committed, so one ack covers everything before it.
 */
import { z } from 'zod';
import { PORT_STATES, POWER_STATES, SEEN_VIA } from './states.ts';
import { checkJsonBounds, withinJsonBounds } from './json-bounds.ts';
import type { JsonBounds } from './json-bounds.ts';

export const PROTOCOL_VERSION = 1;
/** Largest frame either end accepts; larger ones are refused unread. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/**
 * Deepest nesting of objects and arrays in any frame, checked on the raw text
 * before JSON.parse (checkFrameBounds). The deepest frame the protocol makes is
 * an events frame: frame → batch → event → evidence (EVIDENCE_BOUNDS.depth
 * levels) = 11; 16 leaves room and stays far below every recursion limit
 * downstream (SQLite's JSON functions stop at 1,000).
 */
export const MAX_FRAME_DEPTH = 16;
/**
 * One event's evidence: at most 8 levels (the evidence object is level 1),
 * 1,000 keys and array items, 32,768 characters in keys and strings, keys of
 * at most 100 characters. Sources
 * write a flat object or one level of arrays of small objects; these bounds
 * keep one event from being a document the store must carry for ever.
 */
export const EVIDENCE_BOUNDS: Readonly<JsonBounds> = { depth: 8, entries: 1000, chars: 32_768, keyChars: 100 };
/** The hello's `host` facts: hostname, OS, CPUs, memory and a few more; 3 levels, 64 entries, 4,096 characters. */
export const HOST_BOUNDS: Readonly<JsonBounds> = { depth: 3, entries: 64, chars: 4096 };
/** Largest event (one JSON line in the agent's outbox); an agent sends a larger one with its evidence cut to `{"truncated":true}`. */
export const MAX_EVENT_BYTES = 64 * 1024;

/**
 * Why a received frame must be refused before JSON.parse (too many bytes, or
 * nested deeper than MAX_FRAME_DEPTH), or null. Both ends call it on every
 * frame, on the raw text or bytes. Answer with error code TOO_LARGE.
 */
export function checkFrameBounds(data: string | Uint8Array): string | null {
  return checkJsonBounds(data, MAX_FRAME_DEPTH, MAX_MESSAGE_BYTES);
}
/** Largest batch the agent sends in one `events` frame. */
export const MAX_BATCH_EVENTS = 500;
/** Path of the agents' WebSocket on the collector. */
export const AGENT_WS_PATH = '/agent';

/**
 * A subject id: 1 to SUBJECT_ID_MAX characters, no white space. The one
 * definition: the schemas, wire-fast.ts and the agent (before its tracker
 * keeps a subject) all ask isSubjectId; subject-id.ts encodes interface names
 * so that every port's id passes it.
 */
export const SUBJECT_ID_MAX = 200;
export const SUBJECT_ID_PATTERN = /^[^\s]+$/;
export function isSubjectId(s: unknown): s is string {
  return typeof s === 'string' && s.length >= 1 && s.length <= SUBJECT_ID_MAX && SUBJECT_ID_PATTERN.test(s);
}
const subjectId = z.string().min(1).max(SUBJECT_ID_MAX).regex(SUBJECT_ID_PATTERN, 'no white space in a subject id');
/**
 * Evidence: a plain object within EVIDENCE_BOUNDS, checked by a predicate
 * rather than z.record, which walks and copies every entry: that was ~40 % of
 * validating a port event and ~2 µs per event at ingest. One pass over flat
 * evidence, the common case.
 */
export function isEvidence(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  return withinJsonBounds(v, EVIDENCE_BOUNDS);
}
const evidence = z.custom<Record<string, unknown>>(isEvidence,
  `expected an object whose keys are at most 100 characters, at most ${EVIDENCE_BOUNDS.depth} levels deep, ${EVIDENCE_BOUNDS.entries} entries and ${EVIDENCE_BOUNDS.chars} characters`);

const portEvent = z.object({
  seq: z.number().int().positive(),
  subject: subjectId,
  kind: z.literal('port'),
  state: z.enum(PORT_STATES),
  at: z.number().int().nonnegative(),
  via: z.enum(SEEN_VIA),
  evidence: evidence.optional(),
}).strict();

const powerEvent = portEvent.extend({
  kind: z.literal('power'),
  state: z.enum(POWER_STATES),
}).strict();

/** A state change of a port or a power subject: what the collector stores as an observation. */
export const EventSchema = z.discriminatedUnion('kind', [portEvent, powerEvent]);
export type WireEvent = z.infer<typeof EventSchema>;

/**
 * A hidden flap: a poll found a port up, as the previous poll did, but with
 * a newer ifLastChange, so it went down and came back in between with no trap
 * and no poll to see it. `since` is the previous poll (the port was up then),
 * `at` is ifLastChange in wall time (up again from then). How long it was
 * down is unknown, so it counts no measured seconds.
 *
 * Sent only to a collector whose welcome lists FEATURES.HIDDEN_FLAP (an older
 * one would refuse the kind); otherwise the agent carries the episode in the
 * subject's next port event, as evidence.hiddenFlaps: [{ since, at }].
 */
export const HiddenFlapEventSchema = z.object({
  seq: z.number().int().positive(),
  subject: subjectId,
  kind: z.literal('hidden-flap'),
  since: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
  via: z.literal('lastchange'),
  evidence: evidence.optional(),
}).strict().refine((e) => e.since <= e.at, { message: 'since must not be after at', path: ['since'] });
export type HiddenFlapEvent = z.infer<typeof HiddenFlapEventSchema>;

/** Every event an agent may send: state changes, and the kinds a collector advertised. */
export const AgentEventSchema = z.union([EventSchema, HiddenFlapEventSchema]);
export type AgentEvent = WireEvent | HiddenFlapEvent;

/** What a collector's welcome may advertise it takes beyond protocol version 1's state changes. */
export const FEATURES = {
  /** HiddenFlapEventSchema events. */
  HIDDEN_FLAP: 'hidden-flap',
} as const;

const hostFacts = z.object({
  hostname: z.string().max(255).optional(),
  os: z.string().max(255).optional(),
  cpus: z.number().int().optional(),
  memBytes: z.number().optional(),
}).passthrough().refine((h) => withinJsonBounds(h, HOST_BOUNDS),
  `host facts beyond ${HOST_BOUNDS.depth} levels, ${HOST_BOUNDS.entries} entries or ${HOST_BOUNDS.chars} characters`);

const currentState = z.object({
  subject: subjectId,
  kind: z.enum(['port', 'power']),
  state: z.string().max(20),
  since: z.number().int().nonnegative(),
}).strict();

export type CurrentState = z.infer<typeof currentState>;

/** A `states` entry the hello schema set aside: where it was and why. */
export interface QuarantinedState { index: number; problem: string; entry: unknown }

/**
 * A bad entry in `states` (a subject id the protocol refuses, say) must not
 * cost the agent its connection and every other subject: it is set aside in
 * `quarantined` (absent when there is none) and the rest of the hello stands.
 */
function quarantineStates<T extends { states?: unknown[] | undefined }>(h: T): Omit<T, 'states'> & { states?: CurrentState[]; quarantined?: QuarantinedState[] } {
  const { states, ...rest } = h;
  if (states === undefined) return rest;
  const good: CurrentState[] = [];
  const quarantined: QuarantinedState[] = [];
  states.forEach((entry, index) => {
    const r = currentState.safeParse(entry);
    if (r.success) good.push(r.data);
    else quarantined.push({ index, problem: describeIssues(r.error), entry });
  });
  return { ...rest, states: good, ...(quarantined.length ? { quarantined } : {}) };
}

export const HelloSchema = z.object({
  type: z.literal('hello'),
  v: z.literal(PROTOCOL_VERSION),
  agentId: z.string().min(1).max(100),
  version: z.string().max(50),
  host: hostFacts,
  clock: z.number().int(),
  /** Lowest seq the agent still holds: anything below it that was never acked is lost (outbox overflow). */
  firstSeq: z.number().int().positive().optional(),
  /** The agent's current view, so the collector can close an agent gap on return; bad entries are quarantined, not fatal. */
  states: z.array(z.unknown()).max(100_000).optional(),
}).strict().transform(quarantineStates);
/** A hello as validated: `states` holds the good entries, `quarantined` the others. */
export type Hello = z.output<typeof HelloSchema>;
/** A hello as an agent builds it. */
export type HelloFrame = z.input<typeof HelloSchema>;

export const WelcomeSchema = z.object({
  type: z.literal('welcome'),
  v: z.literal(PROTOCOL_VERSION),
  committedSeq: z.number().int().nonnegative(),
  serverTime: z.number().int(),
  heartbeatMs: z.number().int().positive(),
  /** What this collector takes beyond version 1's state changes (FEATURES); absent: nothing more. */
  features: z.array(z.string().min(1).max(50)).max(100).optional(),
}).strict();
export type Welcome = z.infer<typeof WelcomeSchema>;

export const EventsSchema = z.object({
  type: z.literal('events'),
  v: z.literal(PROTOCOL_VERSION),
  batch: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS),
}).strict();

export const AckSchema = z.object({
  type: z.literal('ack'),
  v: z.literal(PROTOCOL_VERSION),
  seq: z.number().int().nonnegative(),
}).strict();
export type Ack = z.infer<typeof AckSchema>;

export const HeartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  v: z.literal(PROTOCOL_VERSION),
  clock: z.number().int(),
}).strict();

export const ERROR_CODES = ['BAD_JSON', 'BAD_MESSAGE', 'BAD_EVENT', 'TOO_LARGE', 'SEQ_GAP', 'NOT_HELLO', 'VERSION', 'INTERNAL'] as const;
export const ErrorFrameSchema = z.object({
  type: z.literal('error'),
  v: z.literal(PROTOCOL_VERSION),
  code: z.enum(ERROR_CODES),
  message: z.string().max(2000),
  seq: z.number().int().optional(),
  missing: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
}).strict();
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;

/** Frames an agent sends. */
export const AgentFrameSchema = z.discriminatedUnion('type', [HelloSchema, EventsSchema, HeartbeatSchema]);
export type AgentFrame = z.infer<typeof AgentFrameSchema>;
/** Frames a collector sends. */
export const CollectorFrameSchema = z.discriminatedUnion('type', [WelcomeSchema, AckSchema, ErrorFrameSchema, HeartbeatSchema]);
export type CollectorFrame = z.infer<typeof CollectorFrameSchema>;

/** Close codes the collector uses (4000–4999 are the application's). */
export const CLOSE = {
  UNAUTHORIZED: 4401,
  PROTOCOL: 4400,
  REPLACED: 4409,
  SHUTDOWN: 1001,
  /** The collector could not do its part (e.g. store a hello); the agent reconnects. */
  INTERNAL: 1011,
} as const;

/** Formats a zod issue list as `path: message` lines, for error frames and logs. */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
