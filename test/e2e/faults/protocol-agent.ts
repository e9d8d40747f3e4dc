/**
 * A lightweight agent speaking the wire protocol (shared/src/protocol.ts) with nothing else
 * of the agent: hundreds fit in one test process. It keeps what it produced in memory, as
 * its own log, and behaves as docs/protocol.md asks of an agent: hello on every connection,
 * drop what the welcome or an ack covers, resend everything not acked after a reconnect,
 * from `missing.from` after SEQ_GAP and everything after INTERNAL, heartbeat at the
 * welcome's period, reconnect after a short random pause until stopped.
 */
import WebSocket from 'ws';
import { CollectorFrameSchema, MAX_BATCH_EVENTS, PROTOCOL_VERSION, type WireEvent } from '@dcprobe/shared';

export interface ProtocolAgentOptions {
  id: string;
  token: string;
  url: string;
  /** Pause before a reconnect, drawn from [min, max] ms. */
  reconnectMs?: [number, number];
  /** Its port's state as of `since`, sent as the hello's `states` (the agent's current view, taken in after a gap). */
  helloState?: { state: 'up' | 'down'; since: number };
}

export class ProtocolAgent {
  /** Highest seq produced: seqs 1..produced are this agent's log. */
  produced = 0;
  acked = 0;
  /** Welcomed connections so far. */
  welcomes = 0;
  errors: string[] = [];
  private unacked: WireEvent[] = [];
  private sentUpTo = 0;
  private ws: WebSocket | undefined;
  private welcomed = false;
  private stopped = true;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private state: 'up' | 'down' = 'up';

  constructor(private readonly o: ProtocolAgentOptions) {}

  get id(): string { return this.o.id; }
  get connected(): boolean { return this.welcomed; }
  get pending(): number { return this.unacked.length; }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** n new state changes of this agent's one port, sent at once when connected. */
  produce(n: number): void {
    for (let i = 0; i < n; i++) {
      this.state = this.state === 'up' ? 'down' : 'up';
      this.unacked.push({ seq: ++this.produced, subject: `${this.o.id}/p1`, kind: 'port', state: this.state, at: Date.now(), via: 'poll', evidence: { ifOperStatus: this.state === 'up' ? 1 : 2 } });
    }
    if (this.welcomed) this.sendFrom(this.sentUpTo + 1);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.drop();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url, { headers: { authorization: `Bearer ${this.o.token}` }, perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, agentId: this.o.id, version: 'fault-suite', host: { hostname: 'fault-suite' }, clock: Date.now(), ...(this.unacked.length ? { firstSeq: this.unacked[0]!.seq } : {}),
        ...(this.o.helloState ? { states: [{ subject: `${this.o.id}/p1`, kind: 'port', ...this.o.helloState }] } : {}) }));
    });
    ws.on('message', (data) => this.onFrame(String(data)));
    ws.on('error', () => { /* a close follows */ });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.drop();
      if (this.stopped) return;
      const [min, max] = this.o.reconnectMs ?? [100, 300];
      this.retry = setTimeout(() => this.connect(), min + Math.random() * (max - min));
    });
  }

  private drop(): void {
    clearInterval(this.heartbeat);
    this.welcomed = false;
    const ws = this.ws;
    if (ws && ws.readyState !== ws.CLOSED) ws.terminate();
  }

  private onFrame(text: string): void {
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = undefined; }
    const r = CollectorFrameSchema.safeParse(json);
    if (!r.success) { this.errors.push(`frame outside the protocol: ${text.slice(0, 200)}`); this.ws?.terminate(); return; }
    const f = r.data;
    if (f.type === 'welcome') {
      this.ackUpTo(f.committedSeq);
      this.welcomed = true;
      this.welcomes++;
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: Date.now() }), f.heartbeatMs);
      this.sendFrom(this.acked + 1);
    } else if (f.type === 'ack') {
      this.ackUpTo(f.seq);
    } else if (f.type === 'error') {
      if (f.code === 'SEQ_GAP' && f.missing) this.sendFrom(f.missing.from);
      else if (f.code === 'INTERNAL') this.sendFrom(this.acked + 1);
      else this.errors.push(`${f.code}: ${f.message}`);
    }
  }

  private ackUpTo(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    let i = 0;
    while (i < this.unacked.length && this.unacked[i]!.seq <= seq) i++;
    this.unacked.splice(0, i);
  }

  /** Sends every held event from seq on, in frames of at most MAX_BATCH_EVENTS. */
  private sendFrom(from: number): void {
    const list = this.unacked.filter((e) => e.seq >= from);
    for (let i = 0; i < list.length; i += MAX_BATCH_EVENTS) {
      this.send({ type: 'events', v: PROTOCOL_VERSION, batch: list.slice(i, i + MAX_BATCH_EVENTS) });
    }
    if (list.length) this.sentUpTo = Math.max(this.sentUpTo, list.at(-1)!.seq);
  }

  private send(frame: unknown): void {
    const ws = this.ws;
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }
}
