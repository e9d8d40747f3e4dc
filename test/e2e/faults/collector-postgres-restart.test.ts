/**
 * PostgreSQL restarted under a streaming collector: real agents stream to one
 * collector on a private cluster, and the cluster is stopped (once `-m fast`,
 * once `-m immediate`, i.e. a crash) and started again while they do. The
 * collector acks nothing PostgreSQL did not commit (every (agent, seq) the
 * agents produced is in the store exactly once afterwards), stays up through
 * the outage (same process, /healthz answering), and the agents' acks resume
 * by themselves once the database is back.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { Fleet, agentSpecs, random } from './fleet.ts';
import { readPostgresSeqs, reportAndCheck } from './delivery.ts';

const READ_TOKEN = 'fault-suite-read-token-0123';
const OUTAGE_MS = 4_000;
const cluster = usePostgresCluster();

describe('a collector on PostgreSQL while PostgreSQL restarts mid-stream', () => {
  it('acks only what PostgreSQL committed, keeps running through the outage, and resumes by itself', async () => {
    const rnd = random();
    console.log(`fault suite | PostgreSQL restarted under a collector: seed ${rnd.seed} (DCPROBE_FAULT_SEED=${rnd.seed} repeats the moments)`);
    const url = await cluster().createDatabase('restart');
    const db = databaseOf(url);
    const tmp = tempDir('dcprobe-fault-pgrestart-');
    const dir = join(tmp.dir, 'collector');
    mkdirSync(dir, { recursive: true });
    const agents = agentSpecs('pgr', 3);
    const collector = new CollectorProcess({ dir, port: await freeTcpPort(), agents, readToken: READ_TOKEN, heartbeatTimeoutSeconds: 60, database: url });
    let fleet: Fleet | undefined;
    onTestFinished(async () => { await fleet?.stop(); await collector.stop(); await cluster().start(); tmp.cleanup(); });
    await collector.start();
    const pid = collector.pid;
    fleet = await Fleet.start({ dir: tmp.dir, collector, agents, rnd });
    fleet.startFlapping(50);
    const acked = async () => new Map(await Promise.all(fleet!.agents.map(async (a) => [a.agentId, (await a.outbox()).acked] as const)));
    const allAckedPast = async (before: Map<string, number>) => [...await acked()].every(([id, n]) => n > before.get(id)!);

    await waitUntil('every agent acked at least once', () => allAckedPast(new Map(agents.map((a) => [a.id, 0]))), { timeoutMs: 45_000, intervalMs: 200 });
    for (const mode of ['fast', 'immediate'] as const) {
      await sleep(rnd.between(500, 2_000));
      await cluster().stop(mode);
      const stoppedAt = Date.now();
      await sleep(OUTAGE_MS);
      // Through the outage: the same process, still answering HTTP (/healthz says the store is unreachable).
      expect(collector.pid).toBe(pid);
      const health = await fetch(`${collector.url}/healthz`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { status: string }).status).toBe('failing');
      const beforeRestart = await acked();
      await cluster().start();
      await waitUntil(`acks resumed after PostgreSQL was stopped (-m ${mode}) and started again`, () => allAckedPast(beforeRestart), { timeoutMs: 60_000, intervalMs: 200 });
      console.log(`fault suite | PostgreSQL stopped -m ${mode} for ${OUTAGE_MS} ms: every agent acked again ${((Date.now() - stoppedAt - OUTAGE_MS) / 1000).toFixed(1)} s after the start`);
    }
    await fleet.quiesce();
    await fleet.waitDelivered();
    await Promise.all(fleet.agents.map((a) => a.stop()));
    expect(collector.pid).toBe(pid); // never exited
    const produced = await fleet.produced();
    reportAndCheck(`collector on PostgreSQL, PostgreSQL stopped (fast, immediate) and started mid-stream (${agents.length} agent processes)`, produced,
      await readPostgresSeqs((sql, d) => cluster().psql(sql, d), db));
  }, 300_000);
});
