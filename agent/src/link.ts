/**
 * The link to the collector (one WebSocket at a time). It tries the collector
 * URLs in turn with jittered exponential backoff, says hello, waits for the
 * welcome (the collector's committed seq), drops what is committed from the
 * outbox, and streams the rest in batches with a bounded window of unacked
 * events. Everything not acked is resent on the next connection: delivery is
 * at-least-once, and the collector's (agentId, seq) check makes it exactly-once.
 *
 * A 4401 close (or an HTTP 401/403 at upgrade) means the token was refused:
 * logged clearly, retried only after a long pause — never a tight loop. The
 * token never reaches a log line.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import {
  CLOSE, CollectorFrameSchema, HelloSchema, MAX_BATCH_EVENTS, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, describeIssues,
} from '@dcprobe/shared';
import type { CollectorFrame, Hello } from '@dcprobe/shared';
import type { Outbox } from './outbox.ts';
import { seqOf } from './outbox-files.ts';

export type HelloBody = Pick<Hello, 'host' | 'clock' | 'states'>;

export interface LinkOptions {
  urls: readonly string[];
  /** Read at each connection, so a corrected tokenFile is picked up without a restart. */
  token: () => string;
  /** PEM of a private CA for wss. */
  ca?: Buffer;
  agentId: string;
  version: string;
  heartbeatMs: number;
  outbox: Outbox;
  hello: () => Promise<HelloBody>;
  log: Logger;
  now: () => number;
  onConnected?: (up: boolean) => void;
  backoff?: { minMs: number; maxMs: number };
  /** Pause after the collector refused the token. */
  unauthorizedBackoffMs?: number;
  /** Most events sent and not yet acked. */
  windowEvents?: number;
  welcomeTimeoutMs?: number;
  /** Events in flight with no ack for this long: reconnect and resend. */
  ackTimeoutMs?: number;
  random?: () => number;
}

export interface Link extends EventEmitter<{ welcome: [number]; down: [{ code: number; unauthorized: boolean }] }> {
  readonly connected: boolean;
  close(): Promise<void>;
}

interface SessionEnd { welcomed: boolean; unauthorized: boolean; code: number }

/** Frames are JSON text; the events envelope is built around raw outbox lines. */
const ENVELOPE_BYTES = 64;

export function startLink(o: LinkOptions): Link {
  const link = new EventEmitter() as Link & { connected: boolean };
  const random = o.random ?? Math.random;
  const { minMs, maxMs } = o.backoff ?? { minMs: 500, maxMs: 30_000 };
  let closed = false;
  let ws: WebSocket | undefined;
  let wake: (() => void) | undefined;
  let pumpHook: (() => void) | undefined;
  link.connected = false;
  const onAppend = () => pumpHook?.();
  o.outbox.on('append', onAppend);

  const loop = (async () => {
    let attempt = 0;
    let failures = 0;
    let i = 0;
    while (!closed) {
      const url = o.urls[i % o.urls.length]!;
      const end = await session(url);
      if (closed) break;
      if (end.welcomed) { attempt = 0; failures = 0; } else { i++; failures++; }
      let delay: number;
      if (end.unauthorized) {
        delay = o.unauthorizedBackoffMs ?? 300_000;
        o.log.error({ collector: safeUrl(url), code: end.code, retryInS: Math.round(delay / 1000) },
          'collector refused this agent\'s token (check token/tokenFile and the collector\'s agents list); not retrying before the pause');
      } else {
        const base = Math.min(maxMs, minMs * 2 ** attempt++);
        delay = base / 2 + random() * (base / 2);
        if (failures === 1) o.log.warn({ collector: safeUrl(url), code: end.code }, 'collector link down; reconnecting with backoff');
        else o.log.debug({ collector: safeUrl(url), code: end.code, failures, retryInMs: Math.round(delay) }, 'collector still unreachable');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        wake = () => { clearTimeout(t); resolve(); };
      });
      wake = undefined;
    }
  })();

  function session(url: string): Promise<SessionEnd> {
    return new Promise<SessionEnd>((resolve) => {
      const end: SessionEnd = { welcomed: false, unauthorized: false, code: 0 };
      const sock = new WebSocket(url, {
        headers: { Authorization: `Bearer ${o.token()}` },
        ...(o.ca ? { ca: o.ca } : {}),
        handshakeTimeout: 10_000,
        maxPayload: MAX_MESSAGE_BYTES,
        perMessageDeflate: false,
      });
      ws = sock;
      let streaming = false;
      let cursor = 0;
      let pumping = false;
      let lastFrame = Date.now();
      let deadAfter = 3 * o.heartbeatMs;
      let lastProgress = Date.now();
      const ackTimeout = o.ackTimeoutMs ?? Math.max(30_000, 3 * o.heartbeatMs);
      let beat: NodeJS.Timeout | undefined;
      const welcomeTimer = setTimeout(() => {
        o.log.warn({ collector: safeUrl(url) }, 'no welcome from the collector in time; reconnecting');
        sock.terminate();
      }, o.welcomeTimeoutMs ?? 15_000);

      const send = (frame: unknown) => sock.send(typeof frame === 'string' ? frame : JSON.stringify(frame));

      async function pump(): Promise<void> {
        if (pumping || !streaming) return;
        pumping = true;
        try {
          const window = o.windowEvents ?? 4 * MAX_BATCH_EVENTS;
          while (streaming && sock.readyState === WebSocket.OPEN) {
            const inFlight = cursor - (o.outbox.firstSeq - 1);
            if (inFlight >= window || sock.bufferedAmount > 4 * MAX_MESSAGE_BYTES) break;
            const lines = await o.outbox.read(cursor, Math.min(MAX_BATCH_EVENTS, window - inFlight), MAX_MESSAGE_BYTES - ENVELOPE_BYTES);
            if (lines.length === 0 || !streaming || sock.readyState !== WebSocket.OPEN) break;
            if (inFlight === 0) lastProgress = Date.now(); // the ack clock starts with the first unacked event
            send(`{"type":"events","v":${PROTOCOL_VERSION},"batch":[${lines.join(',')}]}`);
            cursor = seqOf(lines.at(-1)!)!;
          }
        } catch (e) {
          o.log.error({ err: e }, 'link: reading the outbox failed');
        } finally {
          pumping = false;
        }
      }

      async function onWelcome(committedSeq: number, heartbeatMs: number): Promise<void> {
        clearTimeout(welcomeTimer);
        const ob = o.outbox;
        if (committedSeq > ob.lastSeq) await ob.rebase(committedSeq);
        else if (committedSeq < ob.ackedSeq) {
          o.log.warn({ committedSeq, ackedSeq: ob.ackedSeq }, 'collector reports fewer committed events than it acked before (restored store?); those events cannot be resent');
        } else await ob.ack(committedSeq);
        if (sock.readyState !== WebSocket.OPEN) return;
        cursor = Math.max(committedSeq, ob.firstSeq - 1);
        deadAfter = 3 * Math.max(o.heartbeatMs, heartbeatMs);
        streaming = true;
        lastProgress = Date.now();
        end.welcomed = true;
        link.connected = true;
        o.onConnected?.(true);
        o.log.info({ collector: safeUrl(url), committedSeq, held: ob.held }, 'connected to collector');
        link.emit('welcome', committedSeq);
        beat = setInterval(() => {
          if (Date.now() - lastFrame > deadAfter) {
            o.log.warn({ collector: safeUrl(url), silentMs: Date.now() - lastFrame }, 'collector silent for 3 heartbeats; dropping the link');
            sock.terminate();
            return;
          }
          // Alive but acking nothing of what is in flight (a lost frame?): a new session restarts from its committed seq.
          if (cursor > o.outbox.firstSeq - 1 && Date.now() - lastProgress > ackTimeout) {
            o.log.warn({ collector: safeUrl(url), inFlight: cursor - o.outbox.firstSeq + 1 }, 'no ack for events in flight; reconnecting to resend');
            sock.terminate();
            return;
          }
          send({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: o.now() });
          sock.ping();
        }, Math.min(o.heartbeatMs, heartbeatMs));
        pumpHook = () => void pump();
        void pump();
      }

      async function onFrame(f: CollectorFrame): Promise<void> {
        switch (f.type) {
          case 'welcome':
            if (end.welcomed) return;
            return onWelcome(f.committedSeq, f.heartbeatMs);
          case 'ack':
            if (!streaming) return;
            if (f.seq > o.outbox.ackedSeq) lastProgress = Date.now();
            await o.outbox.ack(f.seq);
            return pump();
          case 'error':
            o.log.warn({ code: f.code, message: f.message, seq: f.seq, missing: f.missing }, 'collector reported an error');
            if (!streaming) return;
            if (f.code === 'SEQ_GAP' && f.missing) cursor = Math.min(cursor, f.missing.from - 1);
            // INTERNAL: the batch was not committed, so it will not be acked: send everything unacked again.
            else if (f.code === 'INTERNAL') cursor = o.outbox.firstSeq - 1;
            else return;
            return pump();
          case 'heartbeat':
            return;
        }
      }

      sock.on('open', () => {
        o.hello().then((body) => {
          const hello: Hello = {
            type: 'hello', v: PROTOCOL_VERSION, agentId: o.agentId, version: o.version, ...body, firstSeq: o.outbox.firstSeq,
          };
          const checked = HelloSchema.safeParse(hello);
          if (!checked.success) throw new Error(`hello invalid: ${describeIssues(checked.error)}`);
          let text = JSON.stringify(hello);
          if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
            o.log.warn({ states: hello.states?.length }, 'hello too large with every subject\'s state; sending it without states');
            text = JSON.stringify({ ...hello, states: undefined });
          }
          if (sock.readyState === WebSocket.OPEN) send(text);
        }).catch((e: unknown) => { o.log.error({ err: e }, 'link: cannot build the hello'); sock.terminate(); });
      });
      sock.on('message', (data, isBinary) => {
        lastFrame = Date.now();
        let frame: CollectorFrame;
        try {
          const r = CollectorFrameSchema.safeParse(JSON.parse(isBinary ? '' : String(data)));
          if (!r.success) throw new Error(describeIssues(r.error));
          frame = r.data;
        } catch (e) {
          o.log.warn({ error: (e as Error).message }, 'collector sent a frame outside the protocol; reconnecting');
          sock.terminate();
          return;
        }
        onFrame(frame).catch((e: unknown) => { o.log.error({ err: e }, 'link: handling a collector frame failed'); sock.terminate(); });
      });
      sock.on('pong', () => { lastFrame = Date.now(); });
      sock.on('unexpected-response', (_req, res) => {
        end.code = res.statusCode ?? 0;
        end.unauthorized = res.statusCode === 401 || res.statusCode === 403;
        res.resume();
        sock.terminate();
      });
      sock.on('error', (e) => { o.log.debug({ error: e.message, collector: safeUrl(url) }, 'link socket error'); });
      sock.on('close', (code) => {
        clearTimeout(welcomeTimer);
        clearInterval(beat);
        streaming = false;
        pumpHook = undefined;
        if (code === CLOSE.UNAUTHORIZED) end.unauthorized = true;
        end.code ||= code;
        if (link.connected) {
          link.connected = false;
          o.onConnected?.(false);
        }
        link.emit('down', { code: end.code, unauthorized: end.unauthorized });
        if (ws === sock) ws = undefined;
        resolve(end);
      });
    });
  }

  link.close = async () => {
    closed = true;
    o.outbox.off('append', onAppend);
    wake?.();
    const s = ws;
    if (s && s.readyState !== WebSocket.CLOSED) {
      const done = new Promise<void>((r) => s.once('close', () => r()));
      const t = setTimeout(() => s.terminate(), 2_000);
      if (s.readyState === WebSocket.CONNECTING) s.terminate();
      else s.close(CLOSE.SHUTDOWN, 'agent shutting down');
      await done;
      clearTimeout(t);
    }
    await loop;
  };
  return link;
}

/** A URL as it may appear in logs: no user info. */
function safeUrl(url: string): string {
  try { const u = new URL(url); u.username = ''; u.password = ''; return u.toString(); } catch { return '<bad url>'; }
}
