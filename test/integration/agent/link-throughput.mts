// Throughput of the agent side: outbox fill, recovery, and draining over ws to the fake and the real collector.
// Run: node --import tsx test/integration/agent/link-throughput.mts [events]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../../agent/src/outbox.ts';
import { startLink } from '../../../agent/src/link.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { startFakeCollector } from './link-fake-collector.ts';

const N = Number(process.argv[2] ?? 200_000);
const dir = await mkdtemp(join(tmpdir(), 'dcp-bench-'));
const ev = (i: number) => ({ subject: `sw${i % 20}/ge-0/0/${i % 48}`, kind: 'port' as const, state: (i % 2 ? 'down' : 'up') as 'down' | 'up', at: 1_700_000_000_000 + i, via: 'lastchange' as const, evidence: { ifOperStatus: i % 2 ? 2 : 1, ifIndex: i % 48 } });
let ob = await Outbox.open({ dir, maxEvents: 2_000_000, warnAt: 0.9, log: silentLogger });
let t = performance.now();
for (let i = 0; i < N; i += 1000) await ob.append(Array.from({ length: 1000 }, (_, k) => ev(i + k)));
console.log(`fill ${N} in batches of 1000: ${((N / (performance.now() - t)) * 1000).toFixed(0)} events/s`);
await ob.close();
const m0 = process.memoryUsage().rss;
t = performance.now();
ob = await Outbox.open({ dir, maxEvents: 2_000_000, warnAt: 0.9, log: silentLogger });
console.log(`recover ${N}: ${(performance.now() - t).toFixed(0)} ms, rss +${((process.memoryUsage().rss - m0) / 1e6).toFixed(0)} MB`);
const c = await startFakeCollector({ token: 'x'.repeat(20) });
t = performance.now();
const link = startLink({ urls: [c.url], token: () => 'x'.repeat(20), agentId: 'b', version: '0', heartbeatMs: 10_000, outbox: ob,
  hello: async () => ({ host: {}, clock: Date.now(), states: [] }), log: silentLogger, now: Date.now });
while (ob.held > 0) await new Promise((r) => setTimeout(r, 20));
console.log(`drain ${N} over ws to the fake collector: ${((N / (performance.now() - t)) * 1000).toFixed(0)} events/s, frames ${c.store.eventFrames}, violations ${c.store.violations.length}, unique ${c.store.events.size}`);
await link.close(); await ob.close(); await c.close();
await rm(dir, { recursive: true, force: true });

// The same drain against the real collector (SQLite file).
{
  const { buildConfig } = await import('../../../collector/src/config.ts');
  const { startCollector } = await import('../../../collector/src/server.ts');
  const d2 = await mkdtemp(join(tmpdir(), 'dcp-bench2-'));
  const col = await startCollector(buildConfig({ listen: '127.0.0.1:0', database: join(d2, 'c.sqlite'), logLevel: 'silent', agents: [{ id: 'b', token: 'y'.repeat(20) }] }), { log: silentLogger, processMetrics: false });
  const ob2 = await Outbox.open({ dir: join(d2, 'ob'), maxEvents: 2_000_000, warnAt: 0.9, log: silentLogger });
  for (let i = 0; i < N; i += 1000) await ob2.append(Array.from({ length: 1000 }, (_, k) => ev(i + k)));
  const t2 = performance.now();
  const l2 = startLink({ urls: [col.wsUrl], token: () => 'y'.repeat(20), agentId: 'b', version: '0', heartbeatMs: 10_000, outbox: ob2,
    hello: async () => ({ host: {}, clock: Date.now(), states: [] }), log: silentLogger, now: Date.now });
  while (ob2.held > 0) await new Promise((r) => setTimeout(r, 20));
  console.log(`drain ${N} over ws to the real collector (SQLite): ${((N / (performance.now() - t2)) * 1000).toFixed(0)} events/s`);
  await l2.close(); await ob2.close(); await col.close();
  await rm(d2, { recursive: true, force: true });
}
