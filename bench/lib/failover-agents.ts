/**
 * Agents that fail over between collectors, for bench/pg-failover.ts: each
 * lists every collector (its own first), keeps what it produced until acked,
 * resends it after every welcome, and moves on exactly as the real agent's
 * link does (agent/src/link.ts): after a welcomed session ends it retries the
 * same collector after 250–500 ms, after a failed attempt it tries the next
 * one with the backoff doubled (500 ms base, jittered by half). Events are the
 * bench stream (events.ts), so the store's rows can be counted per (agent, seq).
 *
 * Commands (IPC, lib/child.ts):
 *   start { lists, everyMs, batch }   agent i connects with lists[i] and produces `batch` events every `everyMs`
 *   arm { url }                        just before the collector at `url` is killed: each agent whose session is
 *                                      there notes when an event of its is next acked by another collector
 *   recovered { at, timeoutMs }        the kill was at `at` (Date.now()): waits for those agents → { ms, waiting }
 *   onUrls {}                          → agents connected per collector URL
 *   drain { timeoutMs }                stops producing, waits for every ack → { produced: Record<agent, seq>, pending }
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@dcprobe/shared';
import { serveRequests } from './child.ts';
import { agentId, agentToken, eventsFrame } from './events.ts';

const FRAME = 100;

class FailoverAgent {
  produced = 0;
  acked = 0;
  private sentUpTo = 0;
  private ws: WebSocket | null = null;
  /** The collector URL of the welcomed session, or null between sessions. */
  on: string | null = null;
  private stopped = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Set by `arm`: the URL about to be killed; `recoveredAt` is the first ack from another collector after it. */
  watch: string | null = null;
  recoveredAt: number | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly index: number, private readonly urls: readonly string[]) {}

  get id(): string { return agentId(this.index); }

  /** The link's loop: one session after another, the real agent's order and backoff. */
  async run(): Promise<void> {
    let attempt = 0, i = 0;
    while (!this.stopped) {
      const url = this.urls[i % this.urls.length]!;
      const welcomed = await this.session(url);
      if (this.stopped) break;
      if (welcomed) attempt = 0; else i++;
      const base = Math.min(30_000, 500 * 2 ** attempt++);
      const delay = base / 2 + Math.random() * (base / 2);
      await new Promise<void>((r) => { const t = setTimeout(r, delay); this.wake = () => { clearTimeout(t); r(); }; });
      this.wake = null;
    }
  }

  /** Resolves when the connection ends: whether it was welcomed. */
  private session(url: string): Promise<boolean> {
    return new Promise((resolve) => {
      let welcomed = false;
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${agentToken(this.id)}` }, perMessageDeflate: false });
      this.ws = ws;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, agentId: this.id, version: 'bench', host: { hostname: `bench-${this.index}` }, clock: Date.now() })));
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as { type: string; seq?: number; committedSeq?: number; heartbeatMs?: number; code?: string };
        if (f.type === 'welcome') {
          welcomed = true;
          this.on = url;
          this.acked = Math.max(this.acked, f.committedSeq!);
          this.sentUpTo = this.acked;
          this.heartbeat = setInterval(() => ws.send(JSON.stringify({ type: 'heartbeat', v: PROTOCOL_VERSION, clock: Date.now() })), f.heartbeatMs ?? 10_000);
          this.flush();
        } else if (f.type === 'error' && f.code === 'INTERNAL') {
          // A commit failed: nothing after the last ack is stored; resend it (docs/protocol.md).
          this.sentUpTo = this.acked;
          this.flush();
        } else if (f.type === 'ack') {
          this.acked = Math.max(this.acked, f.seq!);
          if (this.watch && url !== this.watch && this.recoveredAt === null) this.recoveredAt = Date.now();
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        clearInterval(this.heartbeat);
        this.on = null;
        this.ws = null;
        resolve(welcomed);
      });
    });
  }

  /** Sends everything produced and not yet sent on this session, in frames of up to 100. */
  private flush(): void {
    if (!this.on || !this.ws) return;
    while (this.sentUpTo < this.produced) {
      const n = Math.min(FRAME, this.produced - this.sentUpTo);
      this.ws.send(eventsFrame(this.index, this.sentUpTo + 1, n));
      this.sentUpTo += n;
    }
  }

  produce(n: number): void {
    this.produced += n;
    this.flush();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.ws?.terminate();
  }
}

let agents: FailoverAgent[] = [];
let producer: NodeJS.Timeout | undefined;

serveRequests({
  start(a: { lists: string[][]; everyMs: number; batch: number }) {
    agents = a.lists.map((urls, i) => new FailoverAgent(i, urls));
    for (const ag of agents) void ag.run();
    producer = setInterval(() => { for (const ag of agents) ag.produce(a.batch); }, a.everyMs);
    return agents.length;
  },
  onUrls() {
    const m: Record<string, number> = {};
    for (const ag of agents) if (ag.on) m[ag.on] = (m[ag.on] ?? 0) + 1;
    return m;
  },
  arm(a: { url: string }) {
    let n = 0;
    for (const ag of agents) {
      if (ag.on !== a.url) continue;
      ag.watch = a.url;
      ag.recoveredAt = null;
      n++;
    }
    return n;
  },
  async recovered(a: { at: number; timeoutMs: number }) {
    const deadline = Date.now() + a.timeoutMs;
    const watched = agents.filter((ag) => ag.watch);
    while (watched.some((ag) => ag.recoveredAt === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ms = watched.filter((ag) => ag.recoveredAt !== null).map((ag) => ag.recoveredAt! - a.at);
    const waiting = watched.filter((ag) => ag.recoveredAt === null).map((ag) => ag.id);
    for (const ag of watched) ag.watch = null;
    return { ms, waiting };
  },
  async drain(a: { timeoutMs: number }) {
    clearInterval(producer);
    const deadline = Date.now() + a.timeoutMs;
    while (agents.some((ag) => ag.acked < ag.produced) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const produced: Record<string, number> = {};
    for (const ag of agents) produced[ag.id] = ag.produced;
    return { produced, pending: agents.reduce((s, ag) => s + ag.produced - ag.acked, 0) };
  },
}, async () => {
  clearInterval(producer);
  for (const ag of agents) ag.stop();
});
