// Child process for the crash test: an ordinary collector on a store in the
// given dir, printing its port. The test kills it with SIGKILL.
import { startCollector } from '../../../collector/src/server.ts';
import { silentLogger } from '../../../collector/src/log.ts';
import { collectorConfig } from '../../support/collector-harness.ts';

const c = await startCollector(collectorConfig(process.argv[2]!), { log: silentLogger, processMetrics: false });
process.stdout.write(`${c.port}\n`);
