/**
 * 500 agents reconnecting at once after a collector restart: 500 protocol clients in this
 * process and three real agent processes, all streaming, the collector killed with SIGKILL
 * with frames in flight and started again; every client is back within seconds of the
 * collector and every (agent, seq) is stored exactly once.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import Database from 'better-sqlite3';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';

const CLIENTS = 500;
const RESTARTS = 2;
const READ_TOKEN = 'fault-suite-read-token-0123';

describe(`${CLIENTS} agents reconnecting at once`, () => {
  it(`stores every (agent, seq) exactly once across ${RESTARTS} collector kills with ${CLIENTS} protocol clients and 3 agent processes`, async () => {
    const rnd = random();
    console.log(`fault suite | reconnect storm: seed ${rnd.seed}`);
    const tmp = tempDir('dcprobe-fault-storm-');
    const agents = agentSpecs('rack', 3), clients = agentSpecs('fleet', CLIENTS);
    const collector = new CollectorProcess({ dir: tmp.dir, port: await freeTcpPort(), agents: [...agents, ...clients], readToken: READ_TOKEN, heartbeatTimeoutSeconds: 10, logLevel: 'warn' });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); tmp.cleanup(); });
    await collector.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, clients, rnd });
    fleet.startFlapping(100);
    const everyone = [...agents, ...clients].map((a) => a.id);
    const missing = async () => { const c = await collector.connected(); return everyone.filter((id) => !c.has(id)); };
    await waitUntil('every agent connected', async () => (await missing()).length === 0, { timeoutMs: 60_000, intervalMs: 250 });

    for (let k = 1; k <= RESTARTS; k++) {
      for (const c of fleet.clients) c.produce(10);
      await sleep(rnd.between(0, 300)); // some acked, some in flight, some not yet sent
      const welcomes = fleet.clients.map((c) => c.welcomes);
      await collector.kill9();
      await sleep(rnd.between(500, 1500));
      await collector.start();
      const up = Date.now();
      // Every client is back within seconds: they all retried every 100-300 ms while it was down.
      await waitUntil(`${CLIENTS} clients welcomed again`, () => {
        const back = fleet!.clients.filter((c, i) => c.connected && c.welcomes > welcomes[i]!).length;
        if (back < CLIENTS) throw new Error(`${back} of ${CLIENTS} back`);
        return true;
      }, { timeoutMs: 60_000, intervalMs: 50 });
      const clientsBack = Date.now() - up;
      await waitUntil('the three agent processes back', async () => (await missing()).length === 0, { timeoutMs: 60_000, intervalMs: 250 });
      console.log(`fault suite | reconnect storm ${k}: ${CLIENTS} clients welcomed ${(clientsBack / 1000).toFixed(1)} s after the restart, everyone ${((Date.now() - up) / 1000).toFixed(1)} s`);
      for (const c of fleet.clients) c.produce(10);
    }
    expect(fleet.clients.flatMap((c) => c.errors)).toEqual([]);
    await fleet.finish(`reconnect storm x${RESTARTS} (${CLIENTS} protocol clients, ${agents.length} agent processes)`, collector);
    // Everyone was back well inside the 10 s heartbeat timeout: no agent was silent.
    const db = new Database(collector.database, { readonly: true, fileMustExist: true });
    try {
      console.log(`fault suite | reconnect storm: gaps opened for silent agents: ${db.prepare("SELECT COUNT(*) FROM agent_gaps WHERE reason = 'silent'").pluck().get() as number}`);
    } finally { db.close(); }
  }, 300_000);
});
