/**
 * `dcprobe-agent run --config FILE`: the service. Everything it prints is a
 * JSON log line. A start that cannot succeed (invalid config, caFile or
 * tokenFile unreadable, dataDir locked by another agent or not writable,
 * metrics or trap address in use) ends in one fatal line and exit code 2 or 1
 * (shared start-failure.ts says which).
 */
import { startFailure } from '@dcprobe/shared';
import { BUILD } from '../build-info.ts';
import { loadConfig, type AgentConfig } from '../config.ts';
import { makeLogger } from '../log.ts';

export async function runCommand(file: string): Promise<number> {
  const level = (l: string) => process.env.DCPROBE_LOG_LEVEL ?? l;
  let log = makeLogger(level('info'));
  let config: Readonly<AgentConfig>;
  try {
    config = loadConfig(file);
  } catch (e) {
    return startFailure(log, e, file);
  }
  log = makeLogger(level(config.logLevel));
  // Signals first: a stop asked for during a slow start-up still closes cleanly (lock, outbox).
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let agent;
  try {
    const { startAgent } = await import('../agent.ts');
    agent = await startAgent(config, { log });
  } catch (e) {
    return startFailure(log, e, file);
  }
  log.info({ version: BUILD.version, commit: BUILD.commit, node: BUILD.node, config: file }, 'dcprobe-agent started');
  log.info({ signal: await stopped }, 'stopping');
  await agent.close();
  return 0;
}
