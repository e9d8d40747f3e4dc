/**
 * dcprobe-collector: run | check-config | hash-token | reconcile | customers import.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad input (config, flags, scenario).
 */
import { isCoded, redact } from '@dcprobe/shared';
import { loadConfig, printableConfig } from './config.ts';
import { hashToken, newToken } from './tokens.ts';

const HELP = `usage: dcprobe-collector <command>

  run --config FILE            run the collector (HTTP API, /metrics, /healthz, agents' WebSocket /agent)
  check-config FILE            validate a config file; prints it with secrets as <secret>
  hash-token [TOKEN]           print the sha256 hash to store as tokenHash (a new random token if none given)
  reconcile SCENARIO.json [--month YYYY-MM] [--as-of TIME] [--format json|csv]
                               reconcile an SLA scenario offline and print the result
  customers import FILE.csv [--url URL] [--token-file FILE] [--dry-run]
                               add, re-version and end customers through the running collector
                               (customers --help: the columns)
`;

export type { Io } from './cli/io.ts';
import type { Io } from './cli/io.ts';
const stdio: Io = { out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`), err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`) };

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [cmd, ...args] = argv;
  try {
    switch (cmd) {
      case 'run': return await run(args, io);
      case 'check-config': {
        if (!args[0]) { io.err('check-config: give a config file'); return 2; }
        const c = loadConfig(args[0]);
        io.out(JSON.stringify(printableConfig(c), null, 2));
        io.out(`${args[0]}: ok (${c.agents.length} agents, ${c.customers.length} customers, ${c.apiTokens.length} API tokens)`);
        return 0;
      }
      case 'hash-token': {
        const token = args[0] ?? newToken();
        if (!args[0]) io.out(`token: ${token}`);
        io.out(`tokenHash: ${hashToken(token)}`);
        return 0;
      }
      case 'reconcile': {
        const { reconcileCommand } = await import('./cli/reconcile.ts');
        return await reconcileCommand(args, io);
      }
      case 'customers': {
        const { customersCommand } = await import('./cli/customers.ts');
        return await customersCommand(args, io);
      }
      case undefined: case '--help': case '-h': case 'help':
        io.out(HELP); return cmd === undefined ? 2 : 0;
      default:
        io.err(`unknown command ${JSON.stringify(cmd)}\n${HELP}`); return 2;
    }
  } catch (e) {
    if (isCoded(e)) { io.err(`${e.message}`); return e.code.startsWith('DCP_CONFIG') || e.code === 'DCP_SCENARIO_INVALID' ? 2 : 1; }
    io.err(`unexpected error: ${(e as Error).stack ?? String(redact(e))}`);
    return 1;
  }
}

async function run(args: string[], io: Io): Promise<number> {
  const file = flag(args, '--config');
  if (!file) { io.err('run: --config FILE is required'); return 2; }
  const config = loadConfig(file);
  const { startCollector } = await import('./server.ts');
  const c = await startCollector(config);
  io.err(`dcprobe-collector listening on ${c.url} (agents: ${c.wsUrl}, metrics: ${c.url}/metrics)`);
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await c.close();
  return 0;
}
