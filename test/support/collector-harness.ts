/**
 * A real ws client acting as an agent, and a collector on port 0 with a real
 * SQLite file in a temp dir (test/support/temp.ts). Used by the collector's integration
 * and e2e tests.
 */
import { join } from 'node:path';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type CollectorFrame } from '@dcprobe/shared';
import { buildConfig } from '../../collector/src/config.ts';
import { startCollector, type CollectorHandle, type StartOptions } from '../../collector/src/server.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { storeRows } from './store-sql.ts';

export const TOKENS = { 'rack-a1': 'token-rack-a1-0123456789', 'rack-b2': 'token-rack-b2-0123456789' } as const;

export function collectorConfig(dir: string, extra: Record<string, unknown> = {}) {
  return buildConfig({
    listen: '127.0.0.1:0',
    database: join(dir, 'dcprobe.sqlite'),
    logLevel: 'silent',
    agents: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    customers: [{ id: 'cust-a', network: { ports: ['sw1/ge-0/0/1'], uplinks: ['sw1/xe-0/1/0'] } }],
    ...extra,
  });
}

export async function collector(dir: string, extra: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<CollectorHandle> {
  return startCollector(collectorConfig(dir, extra), { log: silentLogger, processMetrics: false, ...opts });
}

export class TestAgent {
  readonly frames: CollectorFrame[] = [];
  private waiters: { pred: (f: CollectorFrame) => boolean; resolve: (f: CollectorFrame) => void }[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as CollectorFrame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
  }

  static async connect(url: string, token: string | null): Promise<TestAgent> {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const a = new TestAgent(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return a;
  }

  next<T extends CollectorFrame['type']>(type: T, pred: (f: Extract<CollectorFrame, { type: T }>) => boolean = () => true, ms = 5000): Promise<Extract<CollectorFrame, { type: T }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} frame within ${ms} ms`)), ms);
      this.waiters.push({
        pred: (f) => f.type === type && pred(f as Extract<CollectorFrame, { type: T }>),
        resolve: (f) => { clearTimeout(t); resolve(f as Extract<CollectorFrame, { type: T }>); },
      });
    });
  }

  send(obj: unknown): void { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }

  async hello(agentId: string, extra: Record<string, unknown> = {}) {
    const w = this.next('welcome');
    this.send({ type: 'hello', v: PROTOCOL_VERSION, agentId, version: 'test', host: { hostname: 'test' }, clock: Date.now(), ...extra });
    return w;
  }

  async events(batch: unknown[], ackAtLeast?: number) {
    const a = this.next('ack', (f) => ackAtLeast === undefined || f.seq >= ackAtLeast);
    this.send({ type: 'events', v: PROTOCOL_VERSION, batch });
    return a;
  }

  whenClosed(ms = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not closed')), ms);
      this.ws.once('close', (code, reason) => { clearTimeout(t); resolve({ code, reason: reason.toString() }); });
    });
  }

  close(): void { this.ws.close(); }
}

export function portEvent(seq: number, state: 'up' | 'down' | 'unknown', at: number, subject = 'sw1/ge-0/0/1') {
  return { seq, subject, kind: 'port', state, at, via: 'poll', evidence: { ifOperStatus: state === 'up' ? 1 : 2 } };
}

/** Rows of the collector's store file, once every acked event is in observations (the journal projected). */
export async function rows(h: CollectorHandle, sql: string, ...params: unknown[]): Promise<any[]> {
  await h.settled();
  return storeRows(h.config.database, sql, ...params);
}
