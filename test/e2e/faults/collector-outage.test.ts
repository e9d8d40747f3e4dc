/**
 * The collector down for minutes while agents keep measuring. Time is compressed where
 * the product allows it (a 2 s heartbeat timeout, 1 s heartbeats) and the outage is kept
 * long against it (45 timeouts, three times the agent's 30 s reconnect backoff cap), so the
 * agents pass through every backoff step and hold a backlog in their outboxes. When the
 * collector returns, every (agent, seq) is stored exactly once, and the changes made
 * during the outage keep the times they happened (not the time they were delivered).
 * DCPROBE_FAULT_OUTAGE_SECONDS lengthens the outage.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import Database from 'better-sqlite3';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';

const OUTAGE_MS = Number(process.env.DCPROBE_FAULT_OUTAGE_SECONDS ?? 90) * 1000;
const READ_TOKEN = 'fault-suite-read-token-0123';
/** The agent's reconnect backoff cap (docs/protocol.md, "Timers on the agent"). */
const BACKOFF_CAP_MS = 30_000;

describe('the collector down for minutes', () => {
  it(`delivers the agents' backlog exactly once after a ${OUTAGE_MS / 1000} s outage, with the times the changes happened`, async () => {
    const rnd = random();
    console.log(`fault suite | collector outage: seed ${rnd.seed}, outage ${OUTAGE_MS / 1000} s, heartbeat timeout 2 s`);
    const tmp = tempDir('dcprobe-fault-outage-');
    const agents = agentSpecs('rack', 3), clients = agentSpecs('burst', 4);
    const collector = new CollectorProcess({ dir: tmp.dir, port: await freeTcpPort(), agents: [...agents, ...clients], readToken: READ_TOKEN, heartbeatTimeoutSeconds: 2 });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); tmp.cleanup(); });
    await collector.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, clients, rnd });
    fleet.startFlapping(100);
    fleet.startBursts(5, 1000);
    const everyone = [...agents, ...clients].map((a) => a.id);
    const allConnected = async () => { const c = await collector.connected(); return everyone.every((id) => c.has(id)); };
    await waitUntil('every agent connected', allConnected, { timeoutMs: 30_000 });
    await sleep(3000);

    await collector.kill9();
    const down = Date.now();
    await sleep(OUTAGE_MS);
    const before = await fleet.produced();
    await collector.start();
    const up = Date.now();
    await waitUntil('every agent back', allConnected, { timeoutMs: BACKOFF_CAP_MS + 30_000, intervalMs: 200 });
    console.log(`fault suite | collector outage: every agent back ${((Date.now() - up) / 1000).toFixed(1)} s after the collector (backoff cap ${BACKOFF_CAP_MS / 1000} s)`);

    await fleet.finish(`collector down ${OUTAGE_MS / 1000} s (${agents.length} agent processes, ${clients.length} protocol clients)`, collector);
    // What each agent measured while the collector was down arrived after it came back,
    // stamped with when it happened.
    const db = new Database(collector.database, { readonly: true, fileMustExist: true });
    try {
      for (const a of agents) {
        const held = db.prepare('SELECT COUNT(*) FROM observations WHERE agent_id = ? AND seq IS NOT NULL AND at > ? AND at < ? AND received_at >= ?')
          .pluck().get(a.id, down, up, up) as number;
        expect(held, `${a.id}: changes during the outage, stored with their own time`).toBeGreaterThan(0);
      }
      expect([...before.values()].every((n) => n > 0)).toBe(true);
    } finally { db.close(); }
  }, 360_000);
});
