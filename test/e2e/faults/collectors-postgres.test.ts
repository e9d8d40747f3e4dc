/**
 * Two collectors on one PostgreSQL database, real agents listing both: the
 * collectors are killed with SIGKILL in turn (the leader among them) while the
 * agents stream. Every agent fails over to the collector left, every
 * (agent, seq) produced is stored exactly once, no agent gets a gap for being
 * silent (each moved, none went quiet), and a collector restarted on the
 * store takes its share again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';
import { readPostgresSeqs, reportAndCheck } from './delivery.ts';

const KILLS = 4;
const READ_TOKEN = 'fault-suite-read-token-0123';
const cluster = usePostgresCluster();

describe('two collectors on one PostgreSQL, killed with SIGKILL in turn while agents stream', () => {
  it(`stores every (agent, seq) exactly once across ${KILLS} collector kills, with no false gap`, async () => {
    const rnd = random();
    console.log(`fault suite | two collectors on PostgreSQL, kill -9: seed ${rnd.seed} (DCPROBE_FAULT_SEED=${rnd.seed} repeats the moments)`);
    const url = await cluster().createDatabase('twocollectors');
    const db = databaseOf(url);
    const tmp = tempDir('dcprobe-fault-pg-');
    const agents = agentSpecs('rack', 3);
    const collectors = await Promise.all(['a', 'b'].map(async (name) => {
      const dir = join(tmp.dir, `collector-${name}`);
      mkdirSync(dir, { recursive: true });
      return new CollectorProcess({ dir, port: await freeTcpPort(), agents, readToken: READ_TOKEN, heartbeatTimeoutSeconds: 10, database: url });
    }));
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); for (const c of collectors) await c.stop(); tmp.cleanup(); });
    for (const c of collectors) await c.start();
    fleet = await Fleet.start({ dir: tmp.dir, collector: collectors[0]!, agents, rnd, collectors: collectors.map((c) => c.wsUrl) });
    fleet.startFlapping(50);

    const connectedSomewhere = async () => {
      const sets = await Promise.all(collectors.filter((c) => c.running).map((c) => c.connected()));
      return agents.every((a) => sets.some((s) => s.has(a.id)));
    };
    for (let k = 0; k < KILLS; k++) {
      await waitUntil('every agent connected to a collector', connectedSomewhere, { timeoutMs: 45_000, intervalMs: 100 });
      await sleep(rnd.between(500, 2500));
      const victim = collectors[k % 2]!;
      await victim.kill9();
      // Failover: every agent streams to the one left, acked again.
      await waitUntil('every agent failed over', connectedSomewhere, { timeoutMs: 30_000, intervalMs: 100 });
      await sleep(rnd.between(0, 1500));
      await victim.start();
    }
    await fleet.quiesce();
    await fleet.waitDelivered();
    await Promise.all(fleet.agents.map((a) => a.stop()));
    const produced = await fleet.produced();
    reportAndCheck(`two collectors on PostgreSQL, kill -9 x${KILLS} (${agents.length} agent processes)`, produced, await readPostgresSeqs((sql, d) => cluster().psql(sql, d), db));
    expect(await cluster().psql('SELECT agent_id, reason, start FROM agent_gaps', db)).toBe(''); // none silent, none lost
  }, 300_000);
});
