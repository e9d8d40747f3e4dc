/**
 * One collector on PostgreSQL for the benchmark, in a process of its own (so
 * its CPU is its own, and kill -9 of it is a real crash): startCollector on a
 * postgres:// URL shared with the other collectors of the run. Driven over
 * IPC by bench/pg-ingest.ts and bench/pg-failover.ts; it writes no file.
 *
 *   start { url, agents, port?, heartbeatTimeoutSeconds? } → { wsUrl }   (port: fixed, so a restart is found at the same address)
 *   mark                     starts the measured window (CPU, RSS)
 *   report                   ends it → Usage, and the store's row count once every ack is readable
 */
import { buildConfig } from '../../collector/src/config.ts';
import pino from 'pino';
import { makeLogger } from '../../collector/src/log.ts';
import { startCollector, type CollectorHandle } from '../../collector/src/server.ts';
import { serveRequests } from './child.ts';
import { startUsage, type Usage } from './measure.ts';
import { agentId, agentToken } from './events.ts';

let collector: CollectorHandle | null = null;
let usage: ReturnType<typeof startUsage> | null = null;

serveRequests({
  async start(a: { url: string; agents: number; port?: number; heartbeatTimeoutSeconds?: number }): Promise<{ wsUrl: string }> {
    const agents = Array.from({ length: a.agents }, (_, i) => ({ id: agentId(i), token: agentToken(agentId(i)) }));
    const config = buildConfig({
      listen: `127.0.0.1:${a.port ?? 0}`, database: a.url, logLevel: 'silent', agents,
      ...(a.heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds: a.heartbeatTimeoutSeconds } : {}),
    });
    // Warnings and errors to stderr: a failed commit or a lost session shows in the bench's output.
    collector = await startCollector(config, { log: makeLogger('warn', pino.destination(2)) });
    return { wsUrl: collector.wsUrl };
  },
  mark() {
    usage = startUsage();
    return true;
  },
  async report(): Promise<Usage & { stored: number }> {
    const u = usage!.stop();
    usage = null;
    await collector!.settled();
    return { ...u, stored: await collector!.store.countObservations() };
  },
}, async () => {
  await collector?.close();
});
