/**
 * One agent connection: hello → welcome, then events (acked after commit) and
 * heartbeats. Every frame is validated; a bad frame gets an error frame and is
 * counted, and never ends the connection or poisons the valid events around it.
 * Frames are bounded in size and depth before they are parsed.
 *
 * A connection that sends no hello within the deadline is closed; the agent
 * counts as connected from its hello. A failed commit closes the connection
 * (CLOSE.INTERNAL) so the agent reconnects with its backoff instead of
 * resending at once into a store that fails the same way (a full disk).
 */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import {
  AgentFrameSchema, CLOSE, FEATURES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, checkFrameBounds, describeIssues, isEventsFrameFast,
  type AgentFrame, type CollectorFrame, type ErrorFrame,
} from '@dcprobe/shared';
import { IngestQueue } from './queue.ts';
import type { Liveness } from './liveness.ts';
import type { SelfMetrics } from '../metrics.ts';
import type { RateLimitedLog } from '../lib/rate-limited-log.ts';
import { FencedError } from '../store/fenced.ts';

export interface SessionDeps {
  queue: IngestQueue;
  liveness: Liveness;
  metrics: SelfMetrics;
  log: Logger;
  /** The collector's clock: the instants it tells agents (welcome, heartbeat). */
  now: () => number;
  heartbeatMs: number;
  /** A connection without a hello this long after the upgrade is closed. */
  helloTimeoutMs: number;
  /** Store failures, logged at most once per interval. */
  storeLog: RateLimitedLog;
  dropAcks?: boolean;
}

export function runSession(ws: WebSocket, agentId: string, d: SessionDeps): void {
  let helloDone = false;
  const send = (f: CollectorFrame) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(f)); };
  const fail = (code: ErrorFrame['code'], message: string, extra: Partial<ErrorFrame> = {}) => {
    d.metrics.frames.inc({ outcome: code.toLowerCase() });
    send({ type: 'error', v: PROTOCOL_VERSION, code, message, ...extra });
  };

  // Acks are cumulative: the frames of one commit resolve together, and one
  // ack (the highest) answers them all, a socket write instead of one per frame.
  let ackSeq = -1;
  const ackSoon = (seq: number) => {
    if (ackSeq < 0) queueMicrotask(() => { const s = ackSeq; ackSeq = -1; send({ type: 'ack', v: PROTOCOL_VERSION, seq: s }); });
    ackSeq = Math.max(ackSeq, seq);
  };

  let counted = false;
  const helloDeadline = setTimeout(() => {
    d.metrics.connectionsRefused.inc({ reason: 'hello_timeout' });
    ws.close(CLOSE.PROTOCOL, 'no hello in time');
  }, d.helloTimeoutMs);
  helloDeadline.unref();
  ws.on('close', () => { clearTimeout(helloDeadline); if (counted) d.liveness.connected(agentId, -1); });
  ws.on('error', (e) => d.log.warn({ agent: agentId, err: e.message }, 'agent socket error'));

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const started = process.hrtime.bigint(); // a duration for the ingest histogram, not an instant
    const size = Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : (data as Buffer).byteLength;
    d.liveness.seen(agentId);
    if (size > MAX_MESSAGE_BYTES) return fail('TOO_LARGE', `frame of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}`);
    if (isBinary) return fail('BAD_MESSAGE', 'binary frames are not part of the protocol');
    const text = data.toString();
    const over = checkFrameBounds(text); // before JSON.parse: depth makes parsing slow and everything after it recurse
    if (over) return fail('TOO_LARGE', `frame ${over}`);
    let json: unknown;
    try { json = JSON.parse(text); } catch { return fail('BAD_JSON', 'frame is not valid JSON'); }
    let f: AgentFrame;
    if (isEventsFrameFast(json)) f = json; // the common frame, checked without zod (shared/src/wire-fast.ts)
    else {
      const parsed = AgentFrameSchema.safeParse(json);
      if (!parsed.success) return fail('BAD_MESSAGE', describeIssues(parsed.error));
      f = parsed.data;
    }
    if (f.type === 'hello') {
      if (f.agentId !== agentId) {
        d.metrics.authFailures.inc({ reason: 'agent_id_mismatch' });
        d.log.warn({ agent: agentId, claimed: f.agentId }, 'hello names another agent than its token');
        ws.close(CLOSE.UNAUTHORIZED, 'hello agentId does not match the token');
        return;
      }
      helloDone = true;
      clearTimeout(helloDeadline);
      if (!counted) { counted = true; d.liveness.connected(agentId, 1); }
      d.metrics.frames.inc({ outcome: 'ok' });
      if (f.quarantined) {
        // One bad entry costs that entry only: the agent, its other subjects and its events go on.
        d.metrics.helloQuarantined.inc({ agent: agentId }, f.quarantined.length);
        d.log.warn({ agent: agentId, entries: f.quarantined.length, first: { index: f.quarantined[0]!.index, problem: f.quarantined[0]!.problem } },
          'hello states entries set aside as invalid; the rest of the hello stands');
      }
      d.liveness.hello(f).then(() => {
        d.log.info({ agent: agentId, version: f.version, committedSeq: d.queue.cursor(agentId).committed }, 'agent connected');
        send({
          type: 'welcome', v: PROTOCOL_VERSION, committedSeq: d.queue.cursor(agentId).committed, serverTime: d.now(), heartbeatMs: d.heartbeatMs,
          features: [FEATURES.HIDDEN_FLAP],
        });
      }, (e: unknown) => {
        // No welcome without the hello stored: the agent reconnects and says hello again.
        d.metrics.storeFailures.inc({ operation: 'hello' });
        d.storeLog.error({ agent: agentId, err: (e as Error).message }, 'hello not recorded');
        ws.close(CLOSE.INTERNAL, 'hello not recorded; reconnect');
      });
      return;
    }
    if (!helloDone) return fail('NOT_HELLO', 'send hello first');
    d.metrics.frames.inc({ outcome: 'ok' });
    if (f.type === 'heartbeat') {
      d.liveness.clock(agentId, f.clock);
      return send({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: d.now() });
    }
    const { valid, invalid } = IngestQueue.validate(f.batch);
    d.queue.submit(agentId, valid, invalid, started, text).then(
      (o) => {
        for (const r of o.rejected) {
          send({ type: 'error', v: PROTOCOL_VERSION, code: 'BAD_EVENT', message: r.reason.slice(0, 2000), ...(r.seq !== null ? { seq: r.seq } : {}) });
        }
        if (o.rejected.length) d.log.warn({ agent: agentId, rejected: o.rejected.length, first: o.rejected[0]!.reason }, 'rejected events kept in quarantine');
        if (o.hole) send({ type: 'error', v: PROTOCOL_VERSION, code: 'SEQ_GAP', message: `events ${o.hole.from}..${o.hole.to} missing`, missing: o.hole });
        if (!d.dropAcks) ackSoon(o.ack);
      },
      (e: unknown) => {
        if (e instanceof FencedError && e.agents.has(agentId)) {
          // The agent said hello to another collector: this session is a leftover, it may not ack anything more.
          d.log.warn({ agent: agentId }, 'agent session taken over by another collector: closing it here');
          ws.close(CLOSE.REPLACED, 'session taken over by another collector');
          return;
        }
        // Not committed, so not acked. A resend at once would fail the same way (a full
        // disk, a database that is down): close, and the agent reconnects with its backoff and resends then.
        d.metrics.storeFailures.inc({ operation: 'commit' });
        d.storeLog.error({ agent: agentId, err: (e as Error).message }, 'commit failed; agents told to back off');
        ws.close(CLOSE.INTERNAL, 'commit failed; reconnect later and resend');
      },
    );
  });
}
