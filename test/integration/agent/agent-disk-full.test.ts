/**
 * A real agent process whose data dir is on a small tmpfs that fills up while
 * UPS states keep changing: it says so (metrics, one log line, not a flood),
 * keeps the refused events numbered in memory and unsent, and when it is
 * killed with SIGKILL before the disk frees up, the collector learns of the
 * lost seqs at its next start (an events_lost gap) and no seq is reused.
 * Needs root (mount).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { startAgentProcess } from '../../support/agent-process.ts';
import type { AgentProcess } from '../../support/agent-process.ts';
import { agentConfig, lostGaps, observedSeqs, startTestCollector } from '../../support/collector-pair.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';
import type { Tmpfs } from '../../support/tmpfs.ts';
import { startNutPeer } from './nut-peer.ts';
import type { NutPeer } from './nut-peer.ts';

const UPSES = 20;

let dir: string;
let disk: Tmpfs;
let col: CollectorHandle | undefined;
let peer: NutPeer | undefined;
let flipper: NodeJS.Timeout | undefined;
const agents: AgentProcess[] = [];

beforeEach(async () => {
  dir = tempDir('dcp-agent-full-').dir;
  disk = await mountTmpfs(8 * 1024 * 1024);
});
afterEach(async () => {
  clearInterval(flipper);
  for (const a of agents.splice(0)) if (!a.daemon.hasExited()) await a.kill9();
  await col?.close();
  await peer?.close();
  col = undefined; peer = undefined;
  await disk.unmount();
  await rm(dir, { recursive: true, force: true });
});

async function startAgent(collectorPort: number, nutPort: number): Promise<AgentProcess> {
  const a = await startAgentProcess({
    dir,
    config: agentConfig(collectorPort, join(disk.dir, 'agent'), {
      metrics: { listen: `127.0.0.1:${await freeTcpPort()}` },
      targets: [{ kind: 'nut', name: 'ups', host: '127.0.0.1', port: nutPort, intervalSeconds: 0.05, timeoutMs: 1000 }],
    }),
  });
  agents.push(a);
  return a;
}

describe('an agent on a full disk', () => {
  it('reports unsaved events, logs once, and after a SIGKILL the collector records exactly the lost seqs', { timeout: 120_000 }, async () => {
    peer = await startNutPeer({ ups: Object.fromEntries(Array.from({ length: UPSES }, (_, i) => [`u${i}`, { vars: { 'ups.status': 'OL' } }])) });
    // Every UPS flips between mains and battery ten times a second: ~200 events/s.
    let onBattery = false;
    flipper = setInterval(() => {
      onBattery = !onBattery;
      for (const u of peer!.ups.values()) u.vars['ups.status'] = onBattery ? 'OB' : 'OL';
    }, 100);
    col = await startTestCollector(dir);
    const a = await startAgent(col.port, peer.port);
    await waitUntil('events flowing to the collector', async () => (await observedSeqs(col!)).length > 200, { timeoutMs: 20_000 });

    await disk.fill();
    await waitUntil('unsaved events reported', async () => ((await a.metric('dcprobe_agent_outbox_unsaved_events')) ?? 0) > 100, { timeoutMs: 20_000 });
    expect(await a.metric('dcprobe_agent_outbox_write_failures_total')).toBeGreaterThan(0);
    await sleep(2_000); // retries meanwhile (backoff), more events refused
    const writeLogs = a.logs().filter((l) => l.level >= 50 && /outbox (write failed|still cannot write)/.test(l.msg));
    expect(writeLogs.length).toBeGreaterThanOrEqual(1);
    expect(writeLogs.length).toBeLessThanOrEqual(2); // once, then at most once a minute
    await a.kill9();
    clearInterval(flipper);

    const before = await observedSeqs(col);
    await disk.free();
    const b = await startAgent(col.port, peer.port);
    const { lost } = await b.waitForLog('the lost seqs reported', (l) => /outbox: events lost/.test(l.msg)) as unknown as { lost: number };
    await waitUntil('the collector records the lost seqs', () => lostGaps(col!).length > 0, { timeoutMs: 20_000 });
    await waitUntil('every held event acked', async () => (await b.metric('dcprobe_agent_outbox_events')) === 0, { timeoutMs: 20_000 });
    const [gap] = lostGaps(col);
    // The new run's own events: two flips, so at least one is a change whatever state its tracker restored.
    for (const status of ['OL', 'OB']) {
      for (const u of peer.ups.values()) u.vars['ups.status'] = status;
      await sleep(500);
    }
    await waitUntil('the new run streams past the gap', async () => (await observedSeqs(col!)).some((q) => q > gap!.to), { timeoutMs: 20_000 });
    expect(gap!.from).toBe(before.at(-1)! + 1); // right after the last event that reached the disk (and the collector)
    // Exactly the seqs given to events that never reached the disk.
    expect(gap!.to - gap!.from + 1).toBe(lost);
    expect(lost).toBeGreaterThan(50);
    const after = await observedSeqs(col);
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((s) => s > gap!.to).length).toBeGreaterThan(0); // the new run's events, after the gap
    expect(after.filter((s) => s >= gap!.from && s <= gap!.to)).toEqual([]);

    for (const f of await readdir(join(disk.dir, 'agent', 'outbox'))) {
      expect([f, (await stat(join(disk.dir, 'agent', 'outbox', f))).mode & 0o777]).toEqual([f, 0o600]);
    }
  });
});
