import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent } from '../../../agent/src/outbox.ts';
import { startLink } from '../../../agent/src/link.ts';
import type { Link, LinkOptions } from '../../../agent/src/link.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { newStore, startFakeCollector } from './link-fake-collector.ts';
import type { FakeCollector, FakeStore } from './link-fake-collector.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';
import { sleep, until } from '../../support/wait.ts';

const TOKEN = 'agent-token-0123456789abcdef';
const ev = (i: number): OutboxEvent => ({ subject: `sw1/p${i % 48}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll', evidence: { i } });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

let dir: string;
let tmp: TempDir;
let outbox: Outbox | undefined;
let link: Link | undefined;
let collectors: FakeCollector[] = [];

beforeEach(() => { tmp = tempDir('dcp-link-'); dir = tmp.dir; });
afterEach(async () => {
  await link?.close();
  await outbox?.close();
  for (const c of collectors) await c.close();
  link = undefined; outbox = undefined; collectors = [];
  tmp.cleanup();
});

async function collector(o: Partial<Parameters<typeof startFakeCollector>[0]> = {}): Promise<FakeCollector> {
  const c = await startFakeCollector({ token: TOKEN, ...o });
  collectors.push(c);
  return c;
}

const openOutbox = () => Outbox.open({ dir, maxEvents: 100_000, warnAt: 0.8, log: silentLogger, segmentEvents: 700 });

function connect(urls: string[], o: Partial<LinkOptions> = {}): Link {
  link = startLink({
    urls, token: () => TOKEN, agentId: 'rack-a', version: '0.1.0', heartbeatMs: 200, outbox: outbox!,
    hello: async () => ({ host: { hostname: 'test' }, clock: Date.now(), states: [] }),
    log: silentLogger, now: Date.now, backoff: { minMs: 20, maxMs: 200 }, ...o,
  });
  return link;
}

function expectExactly(store: FakeStore, seqs: number[]): void {
  expect(store.violations).toEqual([]);
  expect([...store.events.keys()].sort((a, b) => a - b)).toEqual(seqs);
  expect(store.high).toBe(seqs.at(-1));
}

describe('link ↔ collector (real ws)', () => {
  it('streams everything in valid frames, then keeps up with new appends', async () => {
    const c = await collector();
    outbox = await openOutbox();
    for (let i = 0; i < 5; i++) await outbox.append(range(1, 1000).map(ev));
    connect([c.url]);
    await until(() => outbox!.held === 0 && c.store.high === 5000, 10_000, 'first 5000 acked');
    await outbox.append(range(1, 3).map(ev));
    await until(() => outbox!.held === 0, 5_000, 'new appends acked');
    expectExactly(c.store, range(1, 5003));
    expect(c.store.duplicates).toBe(0);
    expect(c.store.eventFrames).toBeGreaterThanOrEqual(10); // ≤ 500 per frame
    expect(c.store.hellos[0]).toMatchObject({ agentId: 'rack-a', firstSeq: 1, host: { hostname: 'test' } });
    expect(link!.connected).toBe(true);
  });

  it('loses and doubles nothing when the collector drops the connection mid-stream', async () => {
    const c = await collector({ dropAfterFrames: 3, commitDelayMs: 5 });
    outbox = await openOutbox();
    await outbox.append(range(1, 4000).map(ev));
    connect([c.url]);
    await until(() => outbox!.held === 0, 10_000, 'all acked');
    expectExactly(c.store, range(1, 4000));
    expect(c.store.connections).toBe(2);
    expect(c.store.hellos[1]!.firstSeq).toBeGreaterThan(1); // the second hello starts past what was acked
  });

  it('survives a collector restart: backs off, reconnects, resends what was not acked', async () => {
    const store = newStore();
    let c = await collector({ store, commitDelayMs: 50 });
    const port = c.port;
    outbox = await openOutbox();
    connect([c.url]);
    await outbox.append(range(1, 100).map(ev));
    await until(() => store.events.size > 0, 5_000, 'first events');
    await c.close(); // before every ack is out
    await outbox.append(range(101, 300).map(ev)); // while it is down
    await sleep(300);
    expect(link!.connected).toBe(false);
    c = await collector({ store, port });
    await until(() => outbox!.held === 0 && store.high === 300, 10_000, 'all acked after restart');
    expectExactly(store, range(1, 300));
  });

  it('survives an agent restart mid-stream: the new process resends only the unacked', async () => {
    const c = await collector({ commitDelayMs: 20 });
    outbox = await openOutbox();
    await outbox.append(range(1, 3000).map(ev));
    connect([c.url]);
    await until(() => c.store.high > 0, 5_000, 'some acks');
    await link!.close();
    await outbox.close();
    outbox = await openOutbox();
    expect(outbox.firstSeq).toBeGreaterThan(1);
    await outbox.append(range(3001, 3010).map(ev));
    expect(outbox.lastSeq).toBe(3010);
    connect([c.url]);
    await until(() => outbox!.held === 0, 10_000, 'all acked');
    expectExactly(c.store, range(1, 3010));
  });

  it('tries the collectors in turn when the first is down', async () => {
    const c = await collector();
    const dead = await collector();
    const deadUrl = dead.url;
    await dead.close();
    outbox = await openOutbox();
    await outbox.append([ev(1)]);
    connect([deadUrl, c.url]);
    await until(() => outbox!.held === 0, 5_000, 'acked via the second collector');
    expectExactly(c.store, [1]);
  });

  it('backs off exponentially with jitter while no collector answers', async () => {
    const dead = await collector();
    const url = dead.url;
    await dead.close();
    outbox = await openOutbox();
    const downs: number[] = [];
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    connect([url], { backoff: { minMs: 40, maxMs: 320 }, random: () => 1, log });
    link!.on('down', () => downs.push(Date.now()));
    await sleep(1500);
    const gaps = downs.slice(1).map((t, i) => t - downs[i]!);
    // 40, 80, 160, 320, 320 … (random() = 1 takes the top of each jitter range)
    expect(downs.length).toBeGreaterThanOrEqual(5);
    expect(downs.length).toBeLessThanOrEqual(8);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThan(gaps[0]! * 2);
    expect(Math.max(...gaps)).toBeLessThan(320 + 150);
    // One warning for the outage, the retries at debug.
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['collector link down; reconnecting with backoff']);
    expect(lines.filter((l) => l.msg === 'collector still unreachable').length).toBe(downs.length - 1);
  });

  it.each([
    ['closed with 4401 after the upgrade', false],
    ['refused with HTTP 401 at the upgrade', true],
  ])('bad token %s: logged clearly once, long pause, no spinning, token never logged', async (_n, refuseAtUpgrade) => {
    const c = await collector({ refuseAtUpgrade });
    outbox = await openOutbox();
    await outbox.append([ev(1)]);
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write(ch, _e, cb) { lines.push(String(ch)); cb(); } }));
    connect([c.url], { token: () => 'wrong-token-wrong-token', unauthorizedBackoffMs: 60_000, log });
    await sleep(1000);
    expect(c.store.refused).toBe(1);
    expect(link!.connected).toBe(false);
    expect(outbox.held).toBe(1);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/refused this agent's token/);
    expect(lines.join('\n')).not.toContain('wrong-token');
  });

  it('detects a dead collector (no frame for 3 heartbeats), drops the link and reconnects', async () => {
    const c = await collector({ silent: true });
    outbox = await openOutbox();
    const downs: number[] = [];
    const t0 = Date.now();
    connect([c.url], { heartbeatMs: 100, welcomeTimeoutMs: 250 });
    link!.on('down', () => downs.push(Date.now() - t0));
    await until(() => downs.length >= 2, 5_000, 'two drops');
    expect(c.store.connections).toBeGreaterThanOrEqual(2);
    expect(downs[0]).toBeGreaterThanOrEqual(240);
  });

  it('detects silence after the welcome too (heartbeats unanswered)', async () => {
    const c = await collector({ heartbeatMs: 100 });
    outbox = await openOutbox();
    connect([c.url], { heartbeatMs: 100 });
    await until(() => link!.connected, 5_000, 'connected');
    const downs: number[] = [];
    link!.on('down', () => downs.push(Date.now()));
    const t0 = Date.now();
    for (const s of c.sockets) (s as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => downs.length >= 1, 5_000, 'drop');
    expect(downs[0]! - t0).toBeGreaterThanOrEqual(200);
    expect(downs[0]! - t0).toBeLessThan(1_000);
  });

  it('measures silence on the agent\'s clock (LinkOptions.now), not the system\'s', async () => {
    const c = await collector({ heartbeatMs: 500 });
    outbox = await openOutbox();
    let skew = 0;
    connect([c.url], { heartbeatMs: 500, now: () => Date.now() + skew });
    await until(() => link!.connected, 5_000, 'connected');
    const downs: number[] = [];
    link!.on('down', () => downs.push(Date.now()));
    const t0 = Date.now();
    for (const s of c.sockets) (s as unknown as { _socket: { pause(): void } })._socket.pause();
    skew = 60_000; // a minute passes on the agent's clock at once: three heartbeats of silence already
    await until(() => downs.length >= 1, 5_000, 'drop');
    // At the next heartbeat tick (≤ 500 ms), not after 1.5 s of real silence.
    expect(downs[0]! - t0).toBeLessThan(1_200);
  });

  it('renumbers after a collector that already committed beyond this agent (data dir reset)', async () => {
    const c = await collector({ initialHigh: 1000 });
    outbox = await openOutbox();
    await outbox.append(range(1, 5).map(ev));
    connect([c.url]);
    await until(() => outbox!.held === 0 && c.store.high === 1005, 5_000, 'renumbered events acked');
    expect([...c.store.events.keys()]).toEqual(range(1001, 1005));
    expect(c.store.events.get(1001)).toMatchObject({ subject: ev(1).subject, at: ev(1).at });
  });

  it('resends what a failed commit (error INTERNAL) left unacked, on the same connection', async () => {
    const c = await collector({ failFirstCommit: true });
    outbox = await openOutbox();
    await outbox.append(range(1, 1200).map(ev));
    connect([c.url]);
    await until(() => outbox!.held === 0, 5_000, 'all acked');
    expectExactly(c.store, range(1, 1200));
    expect(c.store.connections).toBe(1);
  });

  it('reconnects and resends when events in flight get no ack (a lost frame), without false alarms when idle', async () => {
    const c = await collector({ swallowFrames: 1 });
    outbox = await openOutbox();
    connect([c.url], { heartbeatMs: 50, ackTimeoutMs: 300 });
    await until(() => link!.connected, 5_000, 'connected');
    await sleep(500); // idle longer than the ack timeout: must not reconnect
    expect(c.store.connections).toBe(1);
    await outbox.append(range(1, 10).map(ev));
    await until(() => outbox!.held === 0, 5_000, 'acked after the reconnect');
    expectExactly(c.store, range(1, 10));
    expect(c.store.connections).toBe(2);
  });

  it('tells the collector what overflow lost: hello.firstSeq past the dropped events', async () => {
    const c = await collector();
    outbox = await Outbox.open({ dir, maxEvents: 100, warnAt: 0.8, log: silentLogger });
    await outbox.append(range(1, 150).map(ev)); // collector unreachable meanwhile: 50 oldest dropped
    connect([c.url]);
    await until(() => outbox!.held === 0, 5_000, 'all acked');
    expect(c.store.hellos[0]!.firstSeq).toBe(51);
    expectExactly(c.store, range(51, 150));
  });
});
