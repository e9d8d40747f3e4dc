/**
 * Agents killed with SIGKILL at random moments while they stream (mid-poll, mid-write of
 * the outbox, mid-send): each restarted agent resends what its outbox holds, and every
 * (agent, seq) it ever wrote is in the store exactly once, none renumbered or lost.
 */
import { describe, it, onTestFinished } from 'vitest';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';

const KILLS = 10;
const READ_TOKEN = 'fault-suite-read-token-0123';

describe('agents killed with SIGKILL while they stream', () => {
  it(`stores every (agent, seq) exactly once across ${KILLS} agent kills at random moments`, async () => {
    const rnd = random();
    console.log(`fault suite | agent kill -9: seed ${rnd.seed} (DCPROBE_FAULT_SEED=${rnd.seed} repeats the moments)`);
    const tmp = tempDir('dcprobe-fault-agent-');
    const agents = agentSpecs('rack', 4);
    const collector = new CollectorProcess({ dir: tmp.dir, port: await freeTcpPort(), agents, readToken: READ_TOKEN, heartbeatTimeoutSeconds: 3 });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); tmp.cleanup(); });
    await collector.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, rnd });
    fleet.startFlapping(30);

    for (let k = 1; k <= KILLS; k++) {
      await sleep(rnd.between(300, 2500));
      const victim = fleet.agents[Math.floor(rnd.next() * fleet.agents.length)]!;
      await victim.kill9();
      await sleep(rnd.between(0, 1500)); // its switch keeps changing meanwhile: changes it will never see
      await victim.start();
    }
    await fleet.finish(`agent kill -9 x${KILLS} (${agents.length} agent processes)`, collector);
  }, 300_000);
});
