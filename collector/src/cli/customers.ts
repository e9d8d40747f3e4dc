/**
 * `dcprobe-collector customers import FILE.csv [--url URL] [--token-file FILE] [--dry-run]`:
 * sends the file to the running collector's POST /api/v1/customers/import, so the
 * collector that serves the metrics and the API records the versions itself (it
 * keeps the customers in memory; a second process writing the store would go
 * unseen until a restart). The admin token comes from --token-file or the
 * DCPROBE_API_TOKEN environment variable, never from the command line (shell
 * history, ps). For a collector with a private CA, set NODE_EXTRA_CA_CERTS.
 */
import { readFileSync } from 'node:fs';
import type { Io } from './io.ts';

export const CUSTOMERS_HELP = `usage: dcprobe-collector customers import FILE.csv [--url URL] [--token-file FILE] [--dry-run]

  Adds, re-versions and ends customers from a CSV file through the running collector's API
  (admin token). Columns (header row, any order; only id is required):
    id, action (set | end; default set), validFrom (ISO 8601 with an offset; default now),
    name, timezone, ports, uplinks, redundancy, feeds   (subjects separated by spaces)
  For an existing customer an empty cell keeps its latest version's value. Every row is checked
  first: a file with a bad row changes nothing. Importing the same file again records nothing.

  --url URL          the collector (default http://127.0.0.1:9470)
  --token-file FILE  a file holding an admin API token (else DCPROBE_API_TOKEN)
  --dry-run          check the file and print what it would do; record nothing
`;

interface Change { line: number; id: string; action: string; version: number | null; validFrom: string }

function flagValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function customersCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) { io.out(CUSTOMERS_HELP); return sub === undefined ? 2 : 0; }
  if (sub !== 'import') { io.err(`customers: unknown subcommand ${JSON.stringify(sub)}\n${CUSTOMERS_HELP}`); return 2; }
  const known = new Set(['--url', '--token-file', '--dry-run']);
  const positional = rest.filter((a, i) => !a.startsWith('--') && !['--url', '--token-file'].includes(rest[i - 1] ?? ''));
  const unknown = rest.find((a) => a.startsWith('--') && !known.has(a));
  if (unknown) { io.err(`customers import: unknown flag ${unknown}`); return 2; }
  if (positional.length !== 1) { io.err(`customers import: give one CSV file\n${CUSTOMERS_HELP}`); return 2; }
  const file = positional[0]!;
  const base = flagValue(rest, '--url') ?? 'http://127.0.0.1:9470';
  const tokenFile = flagValue(rest, '--token-file');
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
  const dryRun = rest.includes('--dry-run');
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
