/**
 * The liveness sweep on several collectors: only the collector holding the
 * leader lock writes gaps. An agent streams to the follower and goes silent;
 * while the other collector leads, no gap is written (the follower knows the
 * agent is silent and must leave it to the leader, which never heard of it).
 * Once the leader is killed with SIGKILL the follower takes over and records
 * the gap from the agent's last sign of life, within a bound.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { agentSpecs } from './fleet.ts';
import { ProtocolAgent } from './protocol-agent.ts';

const READ_TOKEN = 'fault-suite-read-token-0123';
const TIMEOUT_S = 2;
/** The takeover: the followers' lock retry (1 s) and a sweep tick (timeout ÷ 4), with room for a loaded machine. */
const TAKEOVER_BOUND_MS = 10_000;
const LEADING = '"msg":"leading: duties that run once start here"';
const cluster = usePostgresCluster();

describe('the liveness sweep with two collectors on one PostgreSQL', () => {
  it('is run by the leader only: a follower writes no gap, and takes the sweep over when the leader is killed', async () => {
    const url = await cluster().createDatabase('sweep');
    const db = databaseOf(url);
    const tmp = tempDir('dcprobe-fault-pgleader-');
    const [spec] = agentSpecs('quiet', 1);
    const [leader, follower] = await Promise.all(['leader', 'follower'].map(async (name) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return new CollectorProcess({ dir, port: await freeTcpPort(), agents: [spec!], readToken: READ_TOKEN, heartbeatTimeoutSeconds: TIMEOUT_S, database: url });
    }));
    const agent = new ProtocolAgent({ id: spec!.id, token: spec!.token, url: follower!.wsUrl });
    onTestFinished(async () => { agent.stop(); await leader!.stop(); await follower!.stop(); tmp.cleanup(); });
    const gaps = async () => (await cluster().psql('SELECT agent_id, start FROM agent_gaps', db)).split('\n').filter(Boolean);

    await leader!.start();
    await waitUntil('the first collector to lead', () => leader!.output().includes(LEADING), { timeoutMs: 20_000, intervalMs: 50 });
    await follower!.start();
    agent.start();
    agent.produce(5);
    await waitUntil('the agent\'s events acked by the follower', () => agent.acked >= 5, { timeoutMs: 20_000, intervalMs: 50 });
    agent.stop();
    const silentAt = Date.now();
    // Several timeouts and sweep ticks: the follower sees the agent silent, the leader never saw it.
    await sleep(4 * TIMEOUT_S * 1000);
    expect(follower!.output()).not.toContain(LEADING);
    expect(await gaps()).toEqual([]);

    await leader!.kill9();
    const killedAt = Date.now();
    const [gap] = await waitUntil('a gap for the silent agent, written by the follower once it leads', async () => {
      const g = await gaps();
      return g.length > 0 ? g : null;
    }, { timeoutMs: TAKEOVER_BOUND_MS, intervalMs: 50 });
    console.log(`fault suite | leader killed with SIGKILL: the follower led and recorded the gap ${Date.now() - killedAt} ms later`);
    expect(follower!.output()).toContain(LEADING);
    const [agentId, start] = gap!.split('|');
    expect(agentId).toBe(spec!.id);
    // From the agent's last sign of life (before it went quiet), not from the takeover.
    expect(Number(start)).toBeLessThanOrEqual(silentAt);
  }, 120_000);

  it('takes in the view of an agent that moved: a collector started before the agent\'s port existed resyncs it after the gap', async () => {
    const url = await cluster().createDatabase('moved');
    const db = databaseOf(url);
    const tmp = tempDir('dcprobe-fault-pgmoved-');
    const [spec] = agentSpecs('mover', 1);
    const [first, second] = await Promise.all(['first', 'second'].map(async (name) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return new CollectorProcess({ dir, port: await freeTcpPort(), agents: [spec!], readToken: READ_TOKEN, heartbeatTimeoutSeconds: TIMEOUT_S, database: url });
    }));
    const agents: ProtocolAgent[] = [];
    onTestFinished(async () => { for (const a of agents) a.stop(); await first!.stop(); await second!.stop(); tmp.cleanup(); });
    await first!.start();
    await second!.start();
    // Its port is new to both; only the first collector takes its events.
    const before = new ProtocolAgent({ id: spec!.id, token: spec!.token, url: first!.wsUrl });
    agents.push(before);
    before.start();
    before.produce(3); // down, up, down
    await waitUntil('the first collector acked the events', () => before.acked >= 3, { timeoutMs: 20_000, intervalMs: 50 });
    before.stop();
    await waitUntil('a gap for the silent agent', async () => (await cluster().psql(`SELECT count(*) FROM agent_gaps WHERE agent_id = '${spec!.id}'`, db)).trim() === '1',
      { timeoutMs: 20_000, intervalMs: 100 });
    // Back at the second collector, which never had an event of that port: the hello's view is the port's state after the gap.
    const after = new ProtocolAgent({ id: spec!.id, token: spec!.token, url: second!.wsUrl, helloState: { state: 'up', since: Date.now() } });
    agents.push(after);
    after.start();
    const resync = await waitUntil('the port resynced by the second collector', async () => {
      const rows = (await cluster().psql(`SELECT state FROM observations WHERE subject = '${spec!.id}/p1' AND via = 'resync'`, db)).split('\n').filter(Boolean);
      return rows.length > 0 ? rows : null;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(resync).toEqual(['up']);
    expect(await cluster().psql(`SELECT count(*) FROM agent_gaps WHERE agent_id = '${spec!.id}' AND "end" IS NULL`, db)).toMatch(/^0/);
  }, 120_000);
});
