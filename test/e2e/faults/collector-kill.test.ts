/**
 * The collector killed with SIGKILL at random moments, again and again, while real agents
 * stream the changes of their simulated switches and protocol clients stream bursts: every
 * (agent, seq) produced ends up in the store exactly once (docs/protocol.md, "Exactly once
 * by (agent, seq)").
 */
import { describe, it, onTestFinished } from 'vitest';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';

const KILLS = 10;
const READ_TOKEN = 'fault-suite-read-token-0123';

describe('the collector killed with SIGKILL while agents stream', () => {
  it(`stores every (agent, seq) exactly once across ${KILLS} kills at random moments`, async () => {
    const rnd = random();
    console.log(`fault suite | collector kill -9: seed ${rnd.seed} (DCPROBE_FAULT_SEED=${rnd.seed} repeats the moments)`);
    const tmp = tempDir('dcprobe-fault-kill-');
    const agents = agentSpecs('rack', 4), clients = agentSpecs('burst', 8);
    const collector = new CollectorProcess({ dir: tmp.dir, port: await freeTcpPort(), agents: [...agents, ...clients], readToken: READ_TOKEN, heartbeatTimeoutSeconds: 3 });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); tmp.cleanup(); });
    await collector.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, clients, rnd });
    fleet.startFlapping(50);
    fleet.startBursts(5, 50);

    const everyone = [...agents, ...clients].map((a) => a.id);
    for (let k = 1; k <= KILLS; k++) {
      await waitUntil('every agent connected again', async () => {
        const c = await collector.connected();
        return everyone.every((id) => c.has(id));
      }, { timeoutMs: 45_000, intervalMs: 100 });
      await sleep(rnd.between(200, 2000));
      // Streaming all along; one more burst makes sure frames are in flight, somewhere
      // between the socket, the commit and the ack, when the kill lands.
      for (const c of fleet.clients) c.produce(20);
      await sleep(rnd.between(0, 15));
      await collector.kill9();
      await sleep(rnd.between(0, 1000));
      await collector.start();
    }
    await fleet.finish(`collector kill -9 x${KILLS} (${agents.length} agent processes, ${clients.length} protocol clients)`, collector);
  }, 360_000);
});
