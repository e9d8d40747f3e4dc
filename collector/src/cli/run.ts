/**
 * `dcprobe-collector run --config FILE`: the service. Everything it prints is a
 * JSON log line. A start that cannot succeed (invalid config, TLS files
 * unreadable, store locked or not writable, address in use) ends in one fatal
 * line and exit code 2 or 1 (shared start-failure.ts says which).
 */
import { DcprobeError, E, startFailure } from '@dcprobe/shared';
import { BUILD } from '../build-info.ts';
import { checkConfigFiles, loadConfig, type CollectorConfig } from '../config.ts';
import { makeLogger } from '../log.ts';
import { lockStore } from '../store/open.ts';

export async function runCommand(file: string): Promise<number> {
  const level = (l: string) => process.env.DCPROBE_LOG_LEVEL ?? l;
  let log = makeLogger(level('info'));
  let config: Readonly<CollectorConfig>;
  try {
    config = loadConfig(file);
    log = makeLogger(level(config.logLevel));
    const files = checkConfigFiles(config);
    if (files.length > 0) throw new DcprobeError(E.CONFIG_READ, files.join('\n'));
  } catch (e) {
    return startFailure(log, e, file);
  }

  // Signals first: a stop asked for during start-up still closes the store cleanly.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let unlock: (() => void) | undefined;
  let collector;
  try {
    unlock = lockStore(config.database);
    const { startCollector } = await import('../server.ts');
    collector = await startCollector(config, { log });
  } catch (e) {
    unlock?.();
    return startFailure(log, e, file);
  }
  log.info({ version: BUILD.version, commit: BUILD.commit, node: BUILD.node, config: file }, 'dcprobe-collector started');
  log.info({ signal: await stopped }, 'stopping');
  await collector.close();
  unlock();
  return 0;
}
