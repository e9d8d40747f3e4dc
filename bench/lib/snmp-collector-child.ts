/**
 * The collector for the SNMP benchmarks, in a process of its own (started with
 * Child.start from bench/lib/child.ts): startCollector on a temporary SQLite
 * file, synchronous=FULL as in production. With `record`, it notes when each
 * event's transaction has committed — the moment IngestQueue.submit resolves, which
 * is after the fsync and before the ack is sent — as a wall-clock time with
 * sub-millisecond resolution (performance.timeOrigin + performance.now(), the
 * same clock the other bench processes read). observations.received_at is the
 * frame's arrival, a little before the commit: both are reported.
 *
 * Commands: start { agents: [{id, token}], record, subjectsPerAgent? } → { wsUrl }; commits → recorded
 * commits since the last call; count → rows in observations; usage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireEvent } from '@dcprobe/shared';
import { buildConfig } from '../../collector/src/config.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { serveRequests } from './child.ts';
import { startUsage } from './measure.ts';

export interface Commit { subject: string; state: string; via: string; at: number; seq: number; committedAt: number; receivedAt: number }

const wallNow = (): number => performance.timeOrigin + performance.now();

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-bench-collector-'));
let collector: CollectorHandle | null = null;
let commits: Commit[] = [];
let usage = startUsage();

serveRequests({
  async start(a: { agents: { id: string; token: string }[]; record: boolean; subjectsPerAgent?: number }) {
    collector = await startCollector(buildConfig({
      listen: '127.0.0.1:0', database: join(dir, 'collector.sqlite'), logLevel: 'silent', agents: a.agents,
      ...(a.subjectsPerAgent ? { limits: { subjectsPerAgent: a.subjectsPerAgent } } : {}),
    }), { log: silentLogger, synchronous: 'FULL' });
    if (a.record) {
      const queue = collector.ingest;
      const submit = queue.submit.bind(queue);
      // Wrapping the instance's method is enough: the session calls queue.submit on this object.
      queue.submit = (agentId, valid, invalid, started, frame) => {
        const receivedAt = wallNow();
        return submit(agentId, valid, invalid, started, frame).then((o) => {
          const committedAt = wallNow();
          for (const e of valid as WireEvent[]) {
            commits.push({ subject: e.subject, state: e.state, via: e.via, at: e.at, seq: e.seq, committedAt, receivedAt });
          }
          return o;
        });
      };
    }
    return { wsUrl: collector.wsUrl };
  },
  commits() {
    const out = commits;
    commits = [];
    return out;
  },
  async count() {
    await collector!.settled();
    return collector!.store.countObservations();
  },
  /** Hi-res wall clock minus Date.now(): how far this process's sub-millisecond clock is off the system's. */
  clock: () => wallNow() - Date.now(),
  mark() {
    usage = startUsage();
  },
  usage() {
    return usage.stop();
  },
}, async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});
