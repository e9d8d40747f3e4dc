/**
 * `dcprobe-collector store copy --from PATH --to postgres://…`: moves an
 * install from its SQLite file to a new PostgreSQL database
 * (store/copy.ts does the work; this prints what it copied). The target URL
 * is printed with its password as `<secret>`.
 */
import { DcprobeError, E, parseCommandArgs, type CliIo, type CommandSpec } from '@dcprobe/shared';
import { describeDatabase } from '../lib/database-url.ts';

export const STORE: CommandSpec = {
  name: 'store', args: 'copy --from PATH --to URL',
  summary: 'copy a SQLite store whole into a new, empty PostgreSQL database (with no collector running on the file)',
  flags: [
    { name: 'from', value: 'PATH', help: 'the SQLite store file (database: of the collector today)' },
    { name: 'to', value: 'URL', help: 'postgres://user:password@host:5432/db of an empty database' },
  ],
};

export async function storeCommand(args: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(STORE, args);
  const [sub, ...rest] = p.positional;
  if (sub !== 'copy') throw new DcprobeError(E.USAGE, `store: ${sub === undefined ? 'give a subcommand (copy)' : `unknown subcommand ${JSON.stringify(sub)}`}`);
  if (rest.length > 0) throw new DcprobeError(E.USAGE, 'store copy: takes no positional arguments');
  const from = p.flags.from, to = p.flags.to;
  if (typeof from !== 'string' || typeof to !== 'string') throw new DcprobeError(E.USAGE, 'store copy: --from PATH and --to URL are required');
  const { copyStore } = await import('../store/copy.ts'); // the table of commands loads neither database client
  const copied = await copyStore(from, to);
  for (const c of copied) io.out(`${c.table}: ${c.rows} rows`);
  io.out(`${from} copied into ${describeDatabase(to)}`);
  return 0;
}
