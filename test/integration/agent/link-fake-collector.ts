/**
 * A small real WebSocket collector for the agent's link tests, speaking
 * protocol v1 strictly: every frame is validated with the shared schemas (a
 * violation is recorded and fails the test), events are "committed" to an
 * in-memory store that survives a restart of the server, duplicates by seq
 * are counted and ignored, and the ack is the highest contiguous committed seq.
 */
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { AddressInfo } from 'node:net';
import {
  AgentFrameSchema, CLOSE, EventSchema, FEATURES, HiddenFlapEventSchema, PROTOCOL_VERSION, describeIssues,
} from '@dcprobe/shared';
import type { Hello, HiddenFlapEvent, WireEvent } from '@dcprobe/shared';

export interface FakeStore {
  events: Map<number, WireEvent>;
  /** Hidden-flap events (only taken when `features` lists them, as a real collector would). */
  flaps: Map<number, HiddenFlapEvent>;
  high: number;
  duplicates: number;
  hellos: Hello[];
  violations: string[];
  connections: number;
  refused: number;
  eventFrames: number;
}

export interface FakeOptions {
  token: string;
  port?: number;
  heartbeatMs?: number;
  /** Refuse bad tokens at the HTTP upgrade (401) instead of closing with 4401. */
  refuseAtUpgrade?: boolean;
  /** Delay before acking a frame (a simulated commit). */
  commitDelayMs?: number;
  /**
   * Drop the connection once this many events frames have arrived: frames up
   * to that one are committed and acked, later ones are lost in the wire (not
   * committed), and the socket is terminated shortly after the ack went out,
   * so the agent's reconnect deterministically starts past an ack.
   */
  dropAfterFrames?: number;
  /** Send no frames at all and answer no pings (a dead collector). */
  silent?: boolean;
  /** Answer the first events frame with error INTERNAL instead of committing it (a failed commit). */
  failFirstCommit?: boolean;
  /** Silently ignore this many events frames (neither commit nor ack: a lost frame). */
  swallowFrames?: number;
  store?: FakeStore;
  /** The collector's committed seq at start (e.g. it outlived the agent's data dir). */
  initialHigh?: number;
  /** welcome.features: what it takes beyond state changes. */
  features?: string[];
}

export interface FakeCollector {
  url: string;
  port: number;
  store: FakeStore;
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

export function newStore(): FakeStore {
  return { events: new Map(), flaps: new Map(), high: 0, duplicates: 0, hellos: [], violations: [], connections: 0, refused: 0, eventFrames: 0 };
}

export async function startFakeCollector(o: FakeOptions): Promise<FakeCollector> {
  const store = o.store ?? newStore();
  if (o.initialHigh) store.high = o.initialHigh;
  const sockets = new Set<WebSocket>();
  let dropArmed = o.dropAfterFrames;
  let failArmed = o.failFirstCommit ?? false;
  let swallow = o.swallowFrames ?? 0;
  const takesFlaps = o.features?.includes(FEATURES.HIDDEN_FLAP) ?? false;
  const wss = new WebSocketServer({
    host: '127.0.0.1', port: o.port ?? 0, path: '/agent',
    verifyClient: (info, cb) => {
      if (o.refuseAtUpgrade && info.req.headers.authorization !== `Bearer ${o.token}`) { store.refused++; cb(false, 401); return; }
      cb(true);
    },
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;

  wss.on('connection', (ws, req) => {
    store.connections++;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    if (req.headers.authorization !== `Bearer ${o.token}`) { store.refused++; ws.close(CLOSE.UNAUTHORIZED, 'unauthorized'); return; }
    if (o.silent) { (ws as unknown as { _socket: { pause(): void } })._socket.pause(); return; }
    const send = (f: object) => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...f }));
    let helloSeen = false;
    let dropping = false; // this connection is about to be cut: its frames are lost
    ws.on('message', (data) => {
      let frame;
      try {
        const r = AgentFrameSchema.safeParse(JSON.parse(String(data)));
        if (!r.success) throw new Error(describeIssues(r.error));
        frame = r.data;
      } catch (e) {
        store.violations.push((e as Error).message);
        return;
      }
      if (frame.type === 'hello') {
        helloSeen = true;
        store.hellos.push(frame);
        if (frame.firstSeq !== undefined) store.high = Math.max(store.high, frame.firstSeq - 1);
        advance();
        send({ type: 'welcome', committedSeq: store.high, serverTime: Date.now(), heartbeatMs: o.heartbeatMs ?? 10_000, ...(o.features ? { features: o.features } : {}) });
        return;
      }
      if (!helloSeen) { store.violations.push(`${frame.type} before hello`); return; }
      if (frame.type === 'heartbeat') return;
      if (dropping) return;
      store.eventFrames++;
      if (swallow > 0) { swallow--; return; }
      if (failArmed) { failArmed = false; send({ type: 'error', code: 'INTERNAL', message: 'commit failed; resend' }); return; }
      if (Buffer.byteLength(String(data)) > 1024 * 1024) store.violations.push('frame larger than MAX_MESSAGE_BYTES');
      for (const raw of frame.batch) {
        const flap = takesFlaps && (raw as { kind?: unknown }).kind === 'hidden-flap' ? HiddenFlapEventSchema.safeParse(raw) : null;
        const r = flap ?? EventSchema.safeParse(raw);
        if (!r.success) { store.violations.push(`bad event: ${describeIssues(r.error)}`); continue; }
        const seq = r.data.seq;
        if (store.events.has(seq) || store.flaps.has(seq) || seq <= store.high) store.duplicates++;
        else if (flap?.success) store.flaps.set(seq, flap.data);
        else store.events.set(seq, r.data as WireEvent);
      }
      const ack = () => { advance(); if (ws.readyState === ws.OPEN) send({ type: 'ack', seq: store.high }); };
      if (dropArmed !== undefined && store.eventFrames >= dropArmed) {
        dropArmed = undefined;
        dropping = true;
        setTimeout(() => { ack(); setTimeout(() => ws.terminate(), 30); }, o.commitDelayMs ?? 0);
        return;
      }
      if (o.commitDelayMs) setTimeout(ack, o.commitDelayMs); else ack();
    });
  });

  function advance() {
    while (store.events.has(store.high + 1) || store.flaps.has(store.high + 1)) store.high++;
  }

  return {
    url: `ws://127.0.0.1:${port}/agent`, port, store, sockets,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.terminate();
      wss.close(() => resolve());
    }),
  };
}
