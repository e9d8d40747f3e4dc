/**
 * Fast acceptance of what nearly all ingest traffic is: `events` frames and the
 * port/power events in them. Plain checks of exactly the shapes the zod schemas
 * in protocol.ts describe, allocating nothing. Anything they do not accept goes
 * on to the schemas, which decide and word the error. So these may refuse too
 * much (that only costs time) but must never accept what a schema refuses:
 * test/unit/shared/wire-fast.test.ts holds them to that over every single-key
 * mutation of valid frames.
 *
 * Why: at saturation, zod (and the copies it returns) was about a fifth of the
 * collector's main thread, the thread that bounds ingest (docs/benchmarks.md).
 */
import { MAX_BATCH_EVENTS, PROTOCOL_VERSION, isEvidence, isSubjectId, type HiddenFlapEvent, type WireEvent } from './protocol.ts';
import { PORT_STATES, POWER_STATES, SEEN_VIA } from './states.ts';

const PORT = new Set<unknown>(PORT_STATES);
const POWER = new Set<unknown>(POWER_STATES);
const VIA = new Set<unknown>(SEEN_VIA);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** An `events` frame, batch not yet looked into (the events are checked one by one). */
export function isEventsFrameFast(f: unknown): f is { type: 'events'; v: typeof PROTOCOL_VERSION; batch: unknown[] } {
  if (!isPlainObject(f)) return false;
  let keys = 0;
  for (const k in f) {
    if (k !== 'type' && k !== 'v' && k !== 'batch') return false;
    keys++;
  }
  const b = f.batch;
  return keys === 3 && f.type === 'events' && f.v === PROTOCOL_VERSION
    && Array.isArray(b) && b.length >= 1 && b.length <= MAX_BATCH_EVENTS;
}

/** One event exactly as EventSchema accepts it; the object itself is the parsed event (no copy). */
export function isWireEventFast(e: unknown): e is WireEvent {
  if (!isPlainObject(e)) return false;
  let keys = 0;
  for (const k in e) {
    if (k !== 'seq' && k !== 'subject' && k !== 'kind' && k !== 'state' && k !== 'at' && k !== 'via' && k !== 'evidence') return false;
    keys++;
  }
  const { seq, subject, kind, state, at, via } = e;
  if (!('evidence' in e)) { if (keys !== 6) return false; } else if (keys !== 7 || !isPlainObject(e.evidence) || !isEvidence(e.evidence)) return false;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0
    && typeof at === 'number' && Number.isSafeInteger(at) && at >= 0
    && isSubjectId(subject)
    && (kind === 'port' ? PORT.has(state) : kind === 'power' && POWER.has(state))
    && VIA.has(via);
}

/** One hidden-flap event exactly as HiddenFlapEventSchema accepts it (no copy). */
export function isHiddenFlapEventFast(e: unknown): e is HiddenFlapEvent {
  if (!isPlainObject(e)) return false;
  let keys = 0;
  for (const k in e) {
    if (k !== 'seq' && k !== 'subject' && k !== 'kind' && k !== 'since' && k !== 'at' && k !== 'via' && k !== 'evidence') return false;
    keys++;
  }
  const { seq, subject, kind, since, at, via } = e;
  if (!('evidence' in e)) { if (keys !== 6) return false; } else if (keys !== 7 || !isPlainObject(e.evidence) || !isEvidence(e.evidence)) return false;
  return kind === 'hidden-flap' && via === 'lastchange'
    && typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0
    && typeof since === 'number' && Number.isSafeInteger(since) && since >= 0
    && typeof at === 'number' && Number.isSafeInteger(at) && at >= since
    && isSubjectId(subject);
}
