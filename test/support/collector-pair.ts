/**
 * A real collector (in this process, SQLite file) for tests that run a real
 * agent process against it, and what those tests read back from its store.
 *
 *   startTestCollector(dir, port?)   the collector on 127.0.0.1:port (0: any)
 *   agentConfig(col or port, dataDir, extra)   an agent.yml object for rack-a
 *   observedSeqs(col) / lostGaps(col)          what the store holds for rack-a
 */
import { join } from 'node:path';
import { buildConfig as collectorConfig } from '../../collector/src/config.ts';
import { startCollector } from '../../collector/src/server.ts';
import type { CollectorHandle } from '../../collector/src/server.ts';
import { silentLogger } from '../../agent/src/log.ts';
import { storeRows } from './store-sql.ts';

export const AGENT_ID = 'rack-a';
export const AGENT_TOKEN = 'rack-a-token-0123456789abcdef';

export function startTestCollector(dir: string, port = 0): Promise<CollectorHandle> {
  return startCollector(collectorConfig({
    listen: `127.0.0.1:${port}`, database: join(dir, 'collector.sqlite'), logLevel: 'silent',
    agents: [{ id: AGENT_ID, token: AGENT_TOKEN }],
  }), { log: silentLogger, processMetrics: false });
}

export function agentConfig(collectorPort: number, dataDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agentId: AGENT_ID, collectors: [`ws://127.0.0.1:${collectorPort}/agent`], token: AGENT_TOKEN, dataDir,
    heartbeatSeconds: 1, logLevel: 'info', ...extra,
  };
}

export async function observedSeqs(col: CollectorHandle): Promise<number[]> {
  await col.settled();
  return storeRows<{ seq: number }>(col.config.database, 'SELECT seq FROM observations WHERE agent_id = ? ORDER BY seq', AGENT_ID).map((r) => r.seq);
}

export function lostGaps(col: CollectorHandle): { from: number; to: number }[] {
  return storeRows<{ f: number; t: number }>(col.config.database, "SELECT lost_from_seq AS f, lost_to_seq AS t FROM agent_gaps WHERE agent_id = ? AND reason = 'events_lost' ORDER BY id", AGENT_ID)
    .map((r) => ({ from: r.f, to: r.t }));
}
