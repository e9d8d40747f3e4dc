/**
 * A test process that starts a private cluster and then either exits without
 * removing it (`exit`) or waits to be killed (`wait`): what the cluster
 * fixture's exit hook and orphan sweep must clean up after.
 *
 *   node --import tsx test/support/postgres-child.ts exit|wait
 * prints one JSON line: { dir, postmaster }
 */
import { startCluster } from './postgres.ts';

const c = await startCluster();
process.stdout.write(`${JSON.stringify({ dir: c.dir, postmaster: c.postmasterPid() })}\n`);
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => {}, 60_000);
