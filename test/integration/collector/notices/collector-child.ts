// A whole collector in a process of its own, for the restoration-notice crash test:
// argv: DIR and the `notices` section as JSON; prints its port. The test kills it with SIGKILL.
import { startCollector } from '../../../../collector/src/server.ts';
import { silentLogger } from '../../../../collector/src/log.ts';
import { collectorConfig } from '../../../support/collector-harness.ts';
import { API } from '../../../support/api-harness.ts';

const [dir, notices] = process.argv.slice(2) as [string, string];
const c = await startCollector(collectorConfig(dir, {
  apiTokens: [{ name: 'noc-desk', role: 'write', token: API.write }],
  notices: JSON.parse(notices) as unknown,
}), { log: silentLogger, processMetrics: false });
process.stdout.write(`${c.port}\n`);
