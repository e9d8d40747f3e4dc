// Child process for the crash test: a collector that commits but never acks
// (as if it dies between the two), printing its port. The test kills it with SIGKILL.
import { startCollector } from '../../../collector/src/server.ts';
import { silentLogger } from '../../../collector/src/log.ts';
import { collectorConfig } from '../../support/collector-harness.ts';

const c = await startCollector(collectorConfig(process.argv[2]!), { log: silentLogger, processMetrics: false, faults: { dropAcks: true } });
process.stdout.write(`${c.port}\n`);
