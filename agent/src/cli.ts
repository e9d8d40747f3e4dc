/**
 * `dcprobe-agent`: run the agent, check a config, or probe one device.
 * Exit codes: 0 fine, 1 runtime failure, 2 wrong usage or invalid config.
 */
import { stringify as toYaml } from 'yaml';
import { isCoded } from '@dcprobe/shared';
import { loadConfig, printableConfig } from './config.ts';
import { makeLogger } from './log.ts';

export interface CliIo { out(s: string): void; err(s: string): void }

const USAGE = `usage: dcprobe-agent <command>

  run --config FILE        run the agent (polls, traps, outbox, link to the collector)
  check-config FILE        validate FILE and print it with defaults filled, secrets as <secret>
  probe KIND HOST[:PORT] [--flag value …] [--json]
                           poll one device once and print its readings
  discover KIND HOST[:PORT] [--flag value …] [--json]
                           read a switch's interfaces and print a target block for agent.yml
                           and a customers block for collector.yml (discover --help: flags)
  --help                   this text`;

const stdio: CliIo = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run': return run(rest, io);
    case 'check-config': return checkConfig(rest, io);
    case 'probe': {
      const { probeCommand } = await import('./cli/probe.ts');
      return probeCommand(rest, io);
    }
    case 'discover': {
      const { discoverCommand } = await import('./cli/discover.ts');
      return discoverCommand(rest, io);
    }
    case '--help': case '-h': case 'help':
      io.out(USAGE);
      return 0;
    default:
      io.err(cmd ? `unknown command ${JSON.stringify(cmd)}\n${USAGE}` : USAGE);
      return 2;
  }
}

function configArg(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => a === '--config' || a === '-c');
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith('--config='));
  return eq?.slice('--config='.length);
}

function checkConfig(args: readonly string[], io: CliIo): number {
  const file = configArg(args) ?? args[0];
  if (!file) { io.err('usage: dcprobe-agent check-config FILE'); return 2; }
  try {
    io.out(toYaml(printableConfig(loadConfig(file))).trimEnd());
    return 0;
  } catch (e) {
    if (isCoded(e)) { io.err(`${file}: ${e.message}`); return 2; }
    throw e;
  }
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const file = configArg(args);
  if (!file) { io.err('usage: dcprobe-agent run --config FILE'); return 2; }
  let config;
  try {
    config = loadConfig(file);
  } catch (e) {
    if (isCoded(e)) { io.err(`${file}: ${e.message}`); return 2; }
    throw e;
  }
  const log = makeLogger(process.env.DCPROBE_LOG_LEVEL ?? config.logLevel);
  // Signals first: a stop asked for during a slow start-up still closes cleanly (lock, outbox).
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const { startAgent } = await import('./agent.ts');
  let agent;
  try {
    agent = await startAgent(config, { log });
  } catch (e) {
    log.fatal({ err: e }, 'agent failed to start');
    io.err(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  log.info({ signal: await signal }, 'stopping');
  await agent.close();
  return 0;
}
