/**
 * The collector restarted with its system time moved, two hours ahead and then an hour
 * behind, while agents stream. Delivery goes by (agent, seq), never by time, so every
 * event is stored exactly once; an event keeps the agent's time (`at`), whatever the
 * collector's clock says; and the collector flags every agent's clock as off by the amount
 * its own clock moved (docs/protocol.md, "Liveness and clocks").
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import Database from 'better-sqlite3';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';

const READ_TOKEN = 'fault-suite-read-token-0123';
const HOUR = 3_600_000;
/** libfaketime offsets (FAKETIME) and what they move the collector's clock by. */
const RUNS = [{ clock: '+2h', offsetMs: 2 * HOUR }, { clock: '-1h', offsetMs: -HOUR }, { clock: undefined, offsetMs: 0 }] as const;

describe('the collector restarted with its system time moved', () => {
  it('stores every (agent, seq) exactly once with the agents\' times, and flags the agents\' clocks as off', async () => {
    const rnd = random();
    console.log(`fault suite | collector clock moved: seed ${rnd.seed}, clock ${RUNS.map((r) => r.clock ?? 'true').join(' → ')} (libfaketime)`);
    const tmp = tempDir('dcprobe-fault-clock-');
    const agents = agentSpecs('rack', 3), clients = agentSpecs('burst', 4);
    const collector = new CollectorProcess({ dir: tmp.dir, port: await freeTcpPort(), agents: [...agents, ...clients], readToken: READ_TOKEN, heartbeatTimeoutSeconds: 3 });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); tmp.cleanup(); });
    const t0 = Date.now();
    await collector.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, clients, rnd });
    fleet.startFlapping(50);
    fleet.startBursts(10, 250);
    const everyone = [...agents, ...clients].map((a) => a.id);
    const offsets = async () => {
      const text = await collector.metrics();
      return new Map([...text.matchAll(/^dcprobe_agent_clock_offset_seconds\{agent="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    };

    for (const run of RUNS) {
      await sleep(rnd.between(1000, 3000));
      await collector.kill9();
      await collector.start(run.clock ? { clock: run.clock } : {});
      // Each agent's next hello or heartbeat shows the collector's clock minus its own.
      const seen = await waitUntil(`every agent's clock offset near ${run.offsetMs / 1000} s`, async () => {
        const o = await offsets();
        const near = everyone.every((id) => o.has(id) && Math.abs(o.get(id)! * 1000 - run.offsetMs) < 60_000);
        if (!near) throw new Error(`offsets: ${[...o].slice(0, 4).map(([a, s]) => `${a} ${s}`).join(', ')}`);
        return o;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      const skewed = (await collector.metrics()).match(/^dcprobe_agent_clock_skewed\{agent="rack-001"\} (\S+)$/m)?.[1];
      expect(skewed).toBe(run.offsetMs === 0 ? '0' : '1');
      console.log(`fault suite | collector clock ${run.clock ?? 'true'}: agents' offsets ${[...new Set([...seen.values()].map((s) => Math.round(s / 60)))].join(', ')} min`);
    }
    await fleet.finish(`collector clock moved ${RUNS.map((r) => r.clock ?? 'true').join(' → ')} (${agents.length} agent processes, ${clients.length} protocol clients)`, collector);

    // Every event carries the time its agent saw it, inside this test's real time, and
    // some were received while the collector's clock was two hours ahead.
    const t1 = Date.now();
    const db = new Database(collector.database, { readonly: true, fileMustExist: true });
    try {
      const r = db.prepare(`SELECT MIN(at) lo, MAX(at) hi, SUM(received_at - at > ${1.5 * HOUR}) ahead, SUM(received_at - at < ${-0.5 * HOUR}) behind
        FROM observations WHERE seq IS NOT NULL`).get() as { lo: number; hi: number; ahead: number; behind: number };
      expect(r.lo).toBeGreaterThanOrEqual(t0);
      expect(r.hi).toBeLessThanOrEqual(t1);
      expect(r.ahead).toBeGreaterThan(0);
      expect(r.behind).toBeGreaterThan(0);
    } finally { db.close(); }
  }, 300_000);
});
