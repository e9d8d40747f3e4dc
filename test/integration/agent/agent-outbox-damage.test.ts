/**
 * A real agent process whose outbox was damaged while it was down, against a
 * real collector: the damage costs the damaged records only, the collector
 * records exactly those seqs as lost (the hello's firstSeq), nothing loops,
 * and seqs are never given twice, so new events are never taken for
 * duplicates.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent } from '../../../agent/src/outbox.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { storeValue } from '../../support/store-sql.ts';
import { startAgentProcess } from '../../support/agent-process.ts';
import type { AgentProcess } from '../../support/agent-process.ts';
import { AGENT_ID, AGENT_TOKEN, agentConfig, lostGaps, observedSeqs, startTestCollector } from '../../support/collector-pair.ts';
import { startNutPeer } from './nut-peer.ts';
import type { NutPeer } from './nut-peer.ts';

const ev = (i: number): OutboxEvent => ({ subject: `sw1/p${i}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll' });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

let dir: string;
let outboxDir: string;
let col: CollectorHandle | undefined;
let agent: AgentProcess | undefined;
let peer: NutPeer | undefined;

beforeEach(async () => {
  dir = tempDir('dcp-agent-damage-').dir;
  outboxDir = join(dir, 'agent', 'outbox');
});
afterEach(async () => {
  if (agent && !agent.daemon.hasExited()) await agent.kill9();
  await col?.close();
  await peer?.close();
  agent = undefined; col = undefined; peer = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** An outbox as the earlier format wrote it (bare JSON lines, 10 per segment), with some lines edited. */
async function legacyOutbox(n: number, edit: Record<number, (line: string) => string>): Promise<void> {
  await mkdir(outboxDir, { recursive: true });
  for (let first = 1; first <= n; first += 10) {
    const lines = range(first, Math.min(n, first + 9)).map((s) => `${(edit[s] ?? ((l) => l))(JSON.stringify({ seq: s, ...ev(s) }))}\n`);
    await writeFile(join(outboxDir, `seg-${String(first).padStart(16, '0')}.jsonl`), lines.join(''));
  }
  await writeFile(join(outboxDir, 'state.json'), JSON.stringify({ acked: 0, dropped: 0 }));
}

async function startAgent(collectorPort: number, extra: Record<string, unknown> = {}): Promise<AgentProcess> {
  const metricsPort = await freeTcpPort();
  agent = await startAgentProcess({ dir, config: agentConfig(collectorPort, join(dir, 'agent'), { metrics: { listen: `127.0.0.1:${metricsPort}` }, ...extra }) });
  return agent;
}

const allAcked = (a: AgentProcess) => waitUntil('every held event acked', async () => (await a.metric('dcprobe_agent_outbox_events')) === 0, { timeoutMs: 20_000 });
const errorFrames = (a: AgentProcess) => a.logs().filter((l) => l.msg === 'collector reported an error').length;
/** Reconnections made to tell the collector of lost seqs: one per loss, then none. */
async function lossReconnects(a: AgentProcess): Promise<number> {
  await sleep(1_500);
  return a.logs().filter((l) => /^outbox gave up seqs/.test(l.msg)).length;
}

describe('an agent restarted on a damaged outbox', () => {
  it('delivers everything but a corrupt record, whose seq the collector records as lost, without an error loop', async () => {
    await legacyOutbox(30, { 15: (l) => l.slice(0, 40) }); // cut short: no longer JSON
    col = await startTestCollector(dir);
    const a = await startAgent(col.port);
    await allAcked(a);
    expect(await observedSeqs(col)).toEqual(range(1, 30).filter((s) => s !== 15));
    expect(lostGaps(col)).toEqual([{ from: 15, to: 15 }]);
    expect(errorFrames(a)).toBeLessThanOrEqual(3);
    expect(await lossReconnects(a)).toBe(1);
    expect(await col.metricsText()).not.toMatch(/dcprobe_collector_frames_total\{outcome="bad_json"\} [1-9]/);
    expect(JSON.parse((await readFile(join(outboxDir, 'quarantine.jsonl'), 'utf8')).trim())).toMatchObject({ seq: 15, reason: 'not JSON' });
  });

  it('does not loop on the gap a damaged seq prefix leaves: the collector records that seq as lost', async () => {
    await legacyOutbox(30, { 13: (l) => l.replace('{"seq":13,', '{"sxq":13,') });
    col = await startTestCollector(dir);
    const a = await startAgent(col.port);
    await allAcked(a);
    expect(await observedSeqs(col)).toEqual(range(1, 30).filter((s) => s !== 13));
    expect(lostGaps(col)).toEqual([{ from: 13, to: 13 }]);
    expect(errorFrames(a)).toBeLessThanOrEqual(3);
    expect(await lossReconnects(a)).toBe(1);
  });

  it('after a truncated segment, gives new events seqs the collector has never seen (none dropped as duplicates)', { timeout: 90_000 }, async () => {
    const port = await freeTcpPort();
    // The outbox: 30 events, all sent and committed, the acks not yet saved (a crash right after the commit).
    const ob = await Outbox.open({ dir: outboxDir, maxEvents: 1000, warnAt: 0.9, log: silentLogger, segmentEvents: 10 });
    await ob.append(range(1, 30).map(ev));
    const lines = await ob.read(0, 1000, 1e9);
    await ob.close();
    col = await startTestCollector(dir, port);
    await sendAsAgent(col.port, lines);
    await col.close();
    col = undefined;
    // The last segment (21..30) loses its tail: 21..25 remain.
    const last = join(outboxDir, (await readdir(outboxDir)).filter((f) => f.startsWith('seg-')).sort().at(-1)!);
    const keep = (await readFile(last, 'utf8')).split('\n').slice(0, 5).join('\n') + '\n';
    await truncate(last, Buffer.byteLength(keep));
    // The agent starts with the collector down and records 12 UPSes' initial states first.
    peer = await startNutPeer({ ups: Object.fromEntries(range(1, 12).map((i) => [`u${i}`, { vars: { 'ups.status': 'OL' } }])) });
    const a = await startAgent(port, { targets: [{ kind: 'nut', name: 'ups', host: '127.0.0.1', port: peer.port, intervalSeconds: 60 }] });
    await waitUntil('12 initial states in the outbox', async () => (await a.metric('dcprobe_agent_events_total{via="poll"}')) === 12, { timeoutMs: 20_000 });
    col = await startTestCollector(dir, port);
    await allAcked(a);
    const seqs = await observedSeqs(col);
    expect(seqs).toEqual(range(1, 42));
    expect(storeValue<number>(col.config.database, "SELECT count(*) FROM observations WHERE agent_id = ? AND subject LIKE 'ups/%'", AGENT_ID)).toBe(12);
    expect(lostGaps(col)).toEqual([]);
  });
});

/** Speaks the protocol as agent rack-a once: hello, one events frame, waits for its ack. */
async function sendAsAgent(port: number, lines: string[]): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/agent`, { headers: { Authorization: `Bearer ${AGENT_TOKEN}` } });
  const last = JSON.parse(lines.at(-1)!).seq as number;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack')), 10_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, agentId: AGENT_ID, version: 'test', host: {}, clock: Date.now(), firstSeq: 1 })));
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; seq?: number };
      if (f.type === 'welcome') ws.send(`{"type":"events","v":1,"batch":[${lines.join(',')}]}`);
      if (f.type === 'ack' && f.seq === last) { clearTimeout(timer); resolve(); }
    });
    ws.on('error', reject);
  });
  ws.close();
}
