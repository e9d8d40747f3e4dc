/**
 * A collector process that only runs for leadership, for the tests and the
 * benchmark that kill a leader with SIGKILL and time the takeover.
 *
 *   node --import tsx test/support/postgres-leader-child.ts URL RETRY_MS
 * prints a JSON line { leader, at } on every change (at: Date.now()).
 */
import { connectPostgres, parseDatabase } from '../../collector/src/store/postgres/connect.ts';
import { electLeader } from '../../collector/src/store/postgres/leader.ts';

const t = parseDatabase(process.argv[2]!);
if (t.kind !== 'postgres') throw new Error('give a postgres:// URL');
const db = await connectPostgres(t.target, { poolSize: 1, applicationName: `leader-child-${process.pid}` });
const l = electLeader(db, { retryMs: Number(process.argv[3] ?? 1000) });
l.onChange((leader) => process.stdout.write(`${JSON.stringify({ leader, at: Date.now() })}\n`));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
