/**
 * The load generator: N agents over real WebSockets on loopback, in their own
 * process so their CPU is not the collector's. Each agent speaks the protocol
 * (token, hello, events, heartbeats) and keeps a window of unacked batches in
 * flight, as the real agent's link does; latency is frame sent → ack received.
 * Driven by bench/ingest.ts over IPC; every run stops by itself.
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@dcprobe/shared';
import { serveRequests } from './lib/child.ts';
import { percentile, startUsage, type Usage } from './lib/measure.ts';
import { agentId, agentToken, eventsFrame } from './lib/events.ts';

interface InFlight { last: number; count: number; sentAt: number }

class Agent {
  nextSeq = 1;
  inflight: InFlight[] = [];
  onAck: (() => void) | null = null;
  errors: string[] = [];
  /** Set when the load itself closes the connection; any other close is the collector's and is reported. */
  closing = false;
  private welcomed: (() => void) | null = null;

  constructor(readonly index: number, readonly ws: WebSocket, private readonly sink: Sink) {
    ws.on('message', (d) => this.frame(JSON.parse(d.toString()) as { type: string; seq?: number; committedSeq?: number; message?: string; code?: string }));
    // The collector closes a session whose commit failed (1011): these agents do not reconnect, so a run
    // that then cannot drain says why instead of only that acks are outstanding.
    ws.on('close', (code, reason) => { if (!this.closing) this.errors.push(`closed by the collector: ${code} ${reason.toString()}`); });
  }

  private frame(f: { type: string; seq?: number; committedSeq?: number; message?: string; code?: string }): void {
    if (f.type === 'welcome') { this.nextSeq = f.committedSeq! + 1; this.welcomed?.(); return; }
    if (f.type === 'error') {
      this.errors.push(`${f.code}: ${f.message}`);
      // A commit failed: nothing in flight is stored; resend it as a real agent does (docs/protocol.md).
      if (f.code === 'INTERNAL') for (const b of this.inflight) this.ws.send(eventsFrame(this.index, b.last - b.count + 1, b.count));
      return;
    }
    if (f.type !== 'ack') return;
    const now = performance.now();
    let n = 0;
    while (n < this.inflight.length && this.inflight[n]!.last <= f.seq!) {
      const b = this.inflight[n++]!;
      this.sink.acked(b.count, now - b.sentAt);
    }
    if (n) this.inflight.splice(0, n);
    this.onAck?.();
  }

  hello(): Promise<void> {
    return new Promise((resolve) => {
      this.welcomed = resolve;
      this.ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, agentId: agentId(this.index), version: 'bench', host: { hostname: `bench-${this.index}` }, clock: Date.now() }));
    });
  }

  sendBatch(count: number): void {
    const first = this.nextSeq;
    this.nextSeq += count;
    this.inflight.push({ last: first + count - 1, count, sentAt: performance.now() });
    this.ws.send(eventsFrame(this.index, first, count));
  }

  heartbeat(): void {
    this.ws.send(JSON.stringify({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: Date.now() }));
  }
}

/** Where acks are counted during a run. */
interface Sink { acked(events: number, latencyMs: number): void }
const sink: Sink & { events: number; batches: number; latencies: number[]; lastAckAt: number } = {
  events: 0, batches: 0, latencies: [], lastAckAt: 0,
  acked(events, latencyMs) {
    this.events += events; this.batches++; this.latencies.push(latencyMs); this.lastAckAt = performance.now();
  },
};

let agents: Agent[] = [];

async function connectOne(wsUrl: string, i: number): Promise<Agent> {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${agentToken(agentId(i))}` }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const a = new Agent(i, ws, sink);
  await a.hello();
  return a;
}

/**
 * Connects and says hello, `parallel` at a time (a fleet reconnecting is staggered too).
 * With `wsUrls` (several collectors on one store), agent i goes to wsUrls[i % n].
 */
async function connect(a: { wsUrl: string; wsUrls?: string[]; agents: number; parallel?: number }): Promise<{ connected: number; seconds: number }> {
  const t0 = performance.now();
  const parallel = a.parallel ?? 50;
  const urls = a.wsUrls?.length ? a.wsUrls : [a.wsUrl];
  for (let i = 0; i < a.agents; i += parallel) {
    const group = await Promise.all(Array.from({ length: Math.min(parallel, a.agents - i) }, (_, k) => connectOne(urls[(i + k) % urls.length]!, i + k)));
    agents.push(...group);
  }
  return { connected: agents.length, seconds: (performance.now() - t0) / 1000 };
}

export interface RunResult {
  events: number; batches: number; seconds: number; eventsPerSecond: number;
  p50Ms: number; p99Ms: number; maxMs: number; usage: Usage; errors: string[]; drained: boolean;
}

/**
 * Throughput: every agent keeps `window` batches unacked in flight until
 * `maxEvents` have been sent or `maxMs` has passed, then waits for the
 * outstanding acks (at most `drainMs`). Rate = events acked / (last ack − start).
 */
function run(a: { batchSize: number; window: number; maxEvents: number; maxMs: number; drainMs?: number }): Promise<RunResult> {
  sink.events = 0; sink.batches = 0; sink.latencies = []; sink.lastAckAt = 0;
  const usage = startUsage();
  const t0 = performance.now();
  let sent = 0;
  let stopped = false;
  return new Promise((resolve) => {
    const finish = (drained: boolean) => {
      clearTimeout(stopTimer);
      clearTimeout(drainTimer);
      for (const ag of agents) ag.onAck = null;
      const seconds = ((sink.lastAckAt || performance.now()) - t0) / 1000;
      const lat = sink.latencies;
      resolve({
        events: sink.events, batches: sink.batches, seconds, eventsPerSecond: sink.events / seconds,
        p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), maxMs: percentile(lat, 100),
        usage: usage.stop(), errors: agents.flatMap((ag) => ag.errors).slice(0, 5), drained,
      });
    };
    const idle = () => agents.every((ag) => ag.inflight.length === 0);
    const stop = () => {
      if (stopped) return;
      stopped = true;
      if (idle()) finish(true);
      else drainTimer = setTimeout(() => finish(false), a.drainMs ?? 10_000);
    };
    const fill = (ag: Agent) => {
      while (!stopped && ag.inflight.length < a.window) {
        if (sent >= a.maxEvents) { stop(); break; }
        ag.sendBatch(a.batchSize);
        sent += a.batchSize;
      }
    };
    let drainTimer: NodeJS.Timeout | undefined;
    const stopTimer = setTimeout(stop, a.maxMs);
    for (const ag of agents) {
      ag.onAck = () => { if (stopped) { if (idle()) finish(true); } else fill(ag); };
    }
    for (const ag of agents) fill(ag);
  });
}

/**
 * Latency below saturation: every agent sends one batch every `everyMs`
 * (staggered over the interval) for `ms`, then the outstanding acks are awaited.
 * Offered rate = agents × batchSize × 1000 ÷ everyMs.
 */
async function paced(a: { batchSize: number; everyMs: number; ms: number; drainMs?: number }): Promise<RunResult> {
  sink.events = 0; sink.batches = 0; sink.latencies = []; sink.lastAckAt = 0;
  const usage = startUsage();
  const t0 = performance.now();
  const timers: NodeJS.Timeout[] = [];
  agents.forEach((ag, i) => {
    timers.push(setTimeout(() => {
      ag.sendBatch(a.batchSize);
      timers.push(setInterval(() => ag.sendBatch(a.batchSize), a.everyMs));
    }, (i / agents.length) * a.everyMs));
  });
  await new Promise((r) => setTimeout(r, a.ms));
  for (const t of timers) clearTimeout(t);
  const deadline = performance.now() + (a.drainMs ?? 10_000);
  while (agents.some((ag) => ag.inflight.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const drained = agents.every((ag) => ag.inflight.length === 0);
  const seconds = (performance.now() - t0) / 1000;
  const lat = sink.latencies;
  return {
    events: sink.events, batches: sink.batches, seconds, eventsPerSecond: sink.events / seconds,
    p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), maxMs: percentile(lat, 100),
    usage: usage.stop(), errors: agents.flatMap((ag) => ag.errors).slice(0, 5), drained,
  };
}

/**
 * A connected fleet at rest: heartbeats every `heartbeatMs` and one small batch
 * per agent every `everyMs`, staggered so frames spread over the interval.
 */
async function trickle(a: { ms: number; heartbeatMs: number; everyMs: number; batchSize: number }): Promise<{ events: number; heartbeats: number; errors: string[] }> {
  sink.events = 0; sink.batches = 0; sink.latencies = [];
  let heartbeats = 0;
  const timers: NodeJS.Timeout[] = [];
  agents.forEach((ag, i) => {
    const offset = (i / agents.length);
    timers.push(setTimeout(() => timers.push(setInterval(() => { ag.heartbeat(); heartbeats++; }, a.heartbeatMs)), offset * a.heartbeatMs));
    timers.push(setTimeout(() => timers.push(setInterval(() => ag.sendBatch(a.batchSize), a.everyMs)), offset * a.everyMs));
  });
  await new Promise((r) => setTimeout(r, a.ms));
  for (const t of timers) clearTimeout(t);
  return { events: sink.events, heartbeats, errors: agents.flatMap((ag) => ag.errors).slice(0, 5) };
}

async function closeAll(): Promise<void> {
  await Promise.all(agents.map((ag) => new Promise<void>((r) => {
    if (ag.ws.readyState === WebSocket.CLOSED) return r();
    ag.closing = true;
    ag.ws.once('close', () => r());
    ag.ws.close();
    setTimeout(() => { ag.ws.terminate(); r(); }, 2000).unref();
  })));
  agents = [];
}

serveRequests({ connect, run, paced, trickle, close: closeAll }, closeAll);
