/**
 * `dcprobe-collector customers import FILE.csv [--url URL] [--token-file FILE] [--dry-run]`
 * (flags and columns: CUSTOMERS below):
 * sends the file to the running collector's POST /api/v1/customers/import, so the
 * collector that serves the metrics and the API records the versions itself (it
 * keeps the customers in memory; a second process writing the store would go
 * unseen until a restart). The admin token comes from --token-file or the
 * DCPROBE_API_TOKEN environment variable, never from the command line (shell
 * history, ps). For a collector with a private CA, set NODE_EXTRA_CA_CERTS.
 */
import { readFileSync } from 'node:fs';
import { DcprobeError, E, parseCommandArgs, type CommandSpec } from '@dcprobe/shared';
import type { CliIo } from '@dcprobe/shared';

export const CUSTOMERS: CommandSpec = {
  name: 'customers', args: 'import FILE.csv',
  summary: "add, re-version and end customers from a CSV file through the running collector's API (admin token)",
  flags: [
    { name: 'url', value: 'URL', help: 'the collector (default http://127.0.0.1:9470)' },
    { name: 'token-file', value: 'FILE', help: 'a file holding an admin API token (else DCPROBE_API_TOKEN)' },
    { name: 'dry-run', help: 'check the file and print what it would do; record nothing' },
  ],
  more: `Columns (header row, any order; only id is required):
  id, action (set | end; default set), validFrom (ISO 8601 with an offset; default now),
  name, timezone, ports, uplinks, redundancy, feeds   (subjects separated by spaces)
For an existing customer an empty cell keeps its latest version's value. Every row is checked
first: a file with a bad row changes nothing. Importing the same file again records nothing.`,
};

interface Change { line: number; id: string; action: string; version: number | null; validFrom: string }

export async function customersCommand(args: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(CUSTOMERS, args);
  const [sub, ...positional] = p.positional;
  if (sub !== 'import') throw new DcprobeError(E.USAGE, `customers: ${sub === undefined ? 'give a subcommand (import)' : `unknown subcommand ${JSON.stringify(sub)}`}`);
  if (positional.length !== 1) throw new DcprobeError(E.USAGE, 'customers import: give one CSV file');
  const file = positional[0]!;
  const base = (p.flags.url as string | undefined) ?? 'http://127.0.0.1:9470';
  const tokenFile = p.flags['token-file'] as string | undefined;
  let token: string | undefined;
  let csv: string;
  try {
    token = tokenFile !== undefined ? readFileSync(tokenFile, 'utf8').trim() : process.env.DCPROBE_API_TOKEN;
    csv = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`customers import: cannot read ${(e as NodeJS.ErrnoException).path ?? file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    return 2;
  }
  if (!token) { io.err('customers import: no API token (--token-file FILE or DCPROBE_API_TOKEN)'); return 2; }
  const dryRun = p.flags['dry-run'] === true;
  let res: Response;
  try {
    res = await fetch(new URL(`/api/v1/customers/import${dryRun ? '?dryRun=true' : ''}`, base), {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' }, body: csv,
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    io.err(`customers import: cannot reach the collector at ${base}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    return 1;
  }
  const body = await res.json().catch(() => ({})) as { error?: { message: string }; changes?: Change[]; counts?: Record<string, number> };
  if (!res.ok) {
    io.err(`${file}: ${body.error?.message ?? `HTTP ${res.status}`}`.replaceAll('\nline', `\n${file}: line`));
    return res.status >= 500 ? 1 : 2;
  }
  for (const c of body.changes ?? []) {
    io.out(`line ${c.line}\t${c.id}\t${c.action}${c.version !== null ? ` v${c.version}` : ''}\tfrom ${c.validFrom}`);
  }
  const n = body.counts ?? {};
  io.out(`${file}: ${n.create ?? 0} created, ${n.new_version ?? 0} new versions, ${n.end ?? 0} ended, ${n.unchanged ?? 0} unchanged${dryRun ? ' (dry run: nothing recorded)' : ''}`);
  return 0;
}
