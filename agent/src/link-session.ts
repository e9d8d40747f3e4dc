/**
 * One connection to one collector, from upgrade to close: hello → welcome →
 * batches out of the outbox within a window of unacked events → acks back.
 * Heartbeats (and ws pings) go out on a timer; a collector silent for three of
 * them, or one that leaves events in flight unacked too long, is dropped so
 * the link reconnects and resends from the collector's committed seq.
 */
import WebSocket from 'ws';
import {
  CLOSE, CollectorFrameSchema, HelloSchema, MAX_BATCH_EVENTS, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, checkFrameBounds, describeIssues,
} from '@dcprobe/shared';
import type { CollectorFrame, HelloFrame } from '@dcprobe/shared';
import type { LinkOptions } from './link.ts';
import { seqOf } from './outbox-files.ts';

export interface SessionEnd { welcomed: boolean; unauthorized: boolean; code: number }

/** The events envelope is built around raw outbox lines; this bounds its own bytes. */
const ENVELOPE_BYTES = 64;

export class Session {
  readonly done: Promise<SessionEnd>;
  private readonly sock: WebSocket;
  private readonly end: SessionEnd = { welcomed: false, unauthorized: false, code: 0 };
  private streaming = false;
  /** Highest seq sent in this session. */
  private cursor = 0;
  /** Bumped by a rewind, so a read that raced with it is not sent. */
  private generation = 0;
  private pumping = false;
  private pumpAgain = false;
  /** Agent-clock instants (LinkOptions.now) of the last frame and the last ack progress. */
  private lastFrame: number;
  private lastProgress: number;
  private deadAfter: number;
  private readonly ackTimeout: number;
  private beat: NodeJS.Timeout | undefined;
  private readonly welcomeTimer: NodeJS.Timeout;

  constructor(
    readonly url: string,
    private readonly o: LinkOptions,
    private readonly onUp: (committedSeq: number, features: readonly string[]) => void,
  ) {
    this.lastFrame = this.lastProgress = o.now();
    this.deadAfter = 3 * o.heartbeatMs;
    this.ackTimeout = o.ackTimeoutMs ?? Math.max(30_000, 3 * o.heartbeatMs);
    this.sock = new WebSocket(url, {
      headers: { Authorization: `Bearer ${o.token()}` },
      ...(o.ca ? { ca: o.ca } : {}),
      handshakeTimeout: 10_000,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    this.welcomeTimer = setTimeout(() => this.drop('no welcome from the collector in time; reconnecting'), o.welcomeTimeoutMs ?? 15_000);
    this.done = new Promise((resolve) => this.sock.on('close', (code) => resolve(this.onClose(code))));
    this.sock.on('open', () => void this.sendHello());
    this.sock.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : String(data)));
    this.sock.on('pong', () => { this.lastFrame = this.o.now(); });
    this.sock.on('unexpected-response', (_req, res) => {
      this.end.code = res.statusCode ?? 0;
      this.end.unauthorized = res.statusCode === 401 || res.statusCode === 403;
      res.resume();
      this.sock.terminate();
    });
    this.sock.on('error', (e) => o.log.debug({ error: e.message, collector: safeUrl(url) }, 'link socket error'));
  }

  /** New events in the outbox. */
  wake(): void {
    void this.pump();
  }

  /** Closes politely (1001), or cuts a connection still being set up; resolves once closed. */
  async close(): Promise<void> {
    const s = this.sock;
    if (s.readyState === WebSocket.CLOSED) return;
    const t = setTimeout(() => s.terminate(), 2_000);
    if (s.readyState === WebSocket.CONNECTING) s.terminate();
    else s.close(CLOSE.SHUTDOWN, 'agent shutting down');
    await this.done;
    clearTimeout(t);
  }

  private drop(why: string, extra: Record<string, unknown> = {}): void {
    this.o.log.warn({ collector: safeUrl(this.url), ...extra }, why);
    this.sock.terminate();
  }

  private send(frame: string | object): void {
    this.sock.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  private async sendHello(): Promise<void> {
    try {
      const body = await this.o.hello();
      let hello: HelloFrame = {
        type: 'hello', v: PROTOCOL_VERSION, agentId: this.o.agentId, version: this.o.version, ...body, firstSeq: this.o.outbox.helloFirstSeq(),
      };
      const checked = HelloSchema.safeParse(hello);
      if (!checked.success) throw new Error(`hello invalid: ${describeIssues(checked.error)}`);
      // The tracker keeps only subjects the protocol takes; should one slip through, it stays home, not the hello.
      const bad = checked.data.quarantined;
      if (bad) {
        this.o.log.error({ states: bad.length, first: bad[0]!.problem }, 'states outside the protocol left out of the hello');
        hello = { ...hello, states: checked.data.states };
      }
      let text = JSON.stringify(hello);
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        this.o.log.warn({ states: hello.states?.length }, 'hello too large with every subject\'s state; sending it without states');
        text = JSON.stringify({ ...hello, states: undefined });
      }
      if (this.sock.readyState === WebSocket.OPEN) this.send(text);
    } catch (e) {
      this.o.log.error({ err: e }, 'link: cannot build the hello');
      this.sock.terminate();
    }
  }

  private onMessage(text: string): void {
    this.lastFrame = this.o.now();
    let frame: CollectorFrame;
    try {
      const over = checkFrameBounds(text); // before JSON.parse, which deep nesting makes slow
      if (over) throw new Error(`frame ${over}`);
      const r = CollectorFrameSchema.safeParse(JSON.parse(text));
      if (!r.success) throw new Error(describeIssues(r.error));
      frame = r.data;
    } catch (e) {
      this.drop('collector sent a frame outside the protocol; reconnecting', { error: (e as Error).message });
      return;
    }
    this.onFrame(frame).catch((e: unknown) => {
      this.o.log.error({ err: e }, 'link: handling a collector frame failed');
      this.sock.terminate();
    });
  }

  private async onFrame(f: CollectorFrame): Promise<void> {
    const ob = this.o.outbox;
    switch (f.type) {
      case 'welcome':
        if (!this.end.welcomed) await this.onWelcome(f.committedSeq, f.heartbeatMs, f.features ?? []);
        return;
      case 'ack':
        if (!this.streaming) return;
        if (f.seq > ob.ackedSeq) this.lastProgress = this.o.now();
        await ob.ack(f.seq);
        if (this.reportLoss()) return;
        return this.pump();
      case 'error':
        this.o.log.warn({ code: f.code, message: f.message, seq: f.seq, missing: f.missing }, 'collector reported an error');
        if (!this.streaming) return;
        // Missing seqs below firstSeq are lost here, not in flight: resending cannot fill them, the next hello reports them.
        if (f.code === 'SEQ_GAP' && f.missing && f.missing.to < ob.firstSeq) return;
        if (f.code === 'SEQ_GAP' && f.missing) this.rewind(f.missing.from - 1);
        // INTERNAL: the batch was not committed, so it will not be acked: send everything unacked again.
        else if (f.code === 'INTERNAL') this.rewind(ob.firstSeq - 1);
        else return;
        return this.pump();
      case 'heartbeat':
        return;
    }
  }

  /**
   * The outbox moved its firstSeq over seqs it will never send (damaged, never
   * saved, dropped) since the hello: the collector learns of a loss only from
   * a hello's firstSeq, so reconnect to say a new one. True if it did.
   */
  private reportLoss(): boolean {
    if (!this.o.outbox.lossUnreported) return false;
    // Once: an ack handled after the drop began finds the socket no longer open.
    if (this.sock.readyState === WebSocket.OPEN) {
      this.drop('outbox gave up seqs the collector has not got; reconnecting so the hello reports them', { firstSeq: this.o.outbox.firstSeq });
    }
    return true;
  }

  private rewind(to: number): void {
    if (to >= this.cursor) return;
    this.cursor = to;
    this.generation++;
  }

  private async onWelcome(committedSeq: number, heartbeatMs: number, features: readonly string[]): Promise<void> {
    clearTimeout(this.welcomeTimer);
    const ob = this.o.outbox;
    if (committedSeq > ob.lastSeq) await ob.rebase(committedSeq);
    else if (committedSeq < ob.ackedSeq) {
      this.o.log.warn({ committedSeq, ackedSeq: ob.ackedSeq }, 'collector reports fewer committed events than it acked before (restored store?); those events cannot be resent');
    } else await ob.ack(committedSeq);
    if (this.reportLoss() || this.sock.readyState !== WebSocket.OPEN) return;
    this.cursor = Math.max(committedSeq, ob.firstSeq - 1);
    this.deadAfter = 3 * Math.max(this.o.heartbeatMs, heartbeatMs);
    this.streaming = true;
    this.lastProgress = this.o.now();
    this.end.welcomed = true;
    this.o.log.info({ collector: safeUrl(this.url), committedSeq, held: ob.held }, 'connected to collector');
    this.onUp(committedSeq, features);
    this.beat = setInterval(() => this.tick(), Math.min(this.o.heartbeatMs, heartbeatMs));
    void this.pump();
  }

  private tick(): void {
    const now = this.o.now();
    if (now - this.lastFrame > this.deadAfter) {
      this.drop('collector silent for 3 heartbeats; dropping the link', { silentMs: now - this.lastFrame });
      return;
    }
    // Alive but acking nothing of what is in flight (a lost frame?): a new session restarts from its committed seq.
    const inFlight = this.cursor - (this.o.outbox.firstSeq - 1);
    if (inFlight > 0 && now - this.lastProgress > this.ackTimeout) {
      this.drop('no ack for events in flight; reconnecting to resend', { inFlight });
      return;
    }
    this.send({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: this.o.now() });
    this.sock.ping();
  }

  /** Sends while the window allows; a call during a pump makes that pump look once more (no lost wake-up). */
  private async pump(): Promise<void> {
    if (this.pumping) { this.pumpAgain = true; return; }
    if (!this.streaming) return;
    this.pumping = true;
    const window = this.o.windowEvents ?? 4 * MAX_BATCH_EVENTS;
    try {
      do {
        this.pumpAgain = false;
        while (this.streaming && this.sock.readyState === WebSocket.OPEN) {
          const inFlight = this.cursor - (this.o.outbox.firstSeq - 1);
          if (inFlight >= window || this.sock.bufferedAmount > 4 * MAX_MESSAGE_BYTES) break;
          const gen = this.generation;
          const lines = await this.o.outbox.read(this.cursor, Math.min(MAX_BATCH_EVENTS, window - inFlight), MAX_MESSAGE_BYTES - ENVELOPE_BYTES);
          if (gen !== this.generation) continue;
          if (lines.length === 0 || !this.streaming || this.sock.readyState !== WebSocket.OPEN) break;
          if (inFlight <= 0) this.lastProgress = this.o.now(); // the ack clock starts with the first unacked event
          this.send(`{"type":"events","v":${PROTOCOL_VERSION},"batch":[${lines.join(',')}]}`);
          this.cursor = seqOf(lines.at(-1)!)!;
        }
      } while (this.pumpAgain && this.streaming);
    } catch (e) {
      this.o.log.error({ err: e }, 'link: reading the outbox failed');
    } finally {
      this.pumping = false;
    }
  }

  private onClose(code: number): SessionEnd {
    clearTimeout(this.welcomeTimer);
    clearInterval(this.beat);
    this.streaming = false;
    if (code === CLOSE.UNAUTHORIZED) this.end.unauthorized = true;
    this.end.code ||= code;
    return this.end;
  }
}

/** A URL as it may appear in logs: no user info. */
export function safeUrl(url: string): string {
  try { const u = new URL(url); u.username = ''; u.password = ''; return u.toString(); } catch { return '<bad url>'; }
}
