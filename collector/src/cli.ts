/**
 * dcprobe-collector: run | check-config | hash-token | reconcile | verify | customers import | tokens | share-link | backup.
 * Each command is one entry of COMMANDS: its flags, listed once, give both
 * `COMMAND --help` and the parser. Exit codes: 0 ok, 1 runtime failure,
 * 2 bad input (config, flags, scenario), 3 evidence that does not verify.
 */
import { readFileSync } from 'node:fs';
import {
  DcprobeError, E, commandHelp, isCoded, parseCommandArgs, programHelp, redact, versionLine, wantsHelp,
  type CliIo, type CommandSpec, type FlagSpec,
} from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import { RECONCILE } from './cli/reconcile.ts';
import { VERIFY } from './cli/verify.ts';
import { CUSTOMERS } from './cli/customers.ts';
import { SHARE_LINK, TOKENS } from './cli/tokens.ts';
import { checkConfigFiles, loadConfig, printableConfig } from './config.ts';
import { hashToken, newToken } from './tokens.ts';

export type Io = CliIo;
const PROGRAM = 'dcprobe-collector';
/** Agents refuse shorter tokens, and so does the config. */
export const MIN_TOKEN_LENGTH = 16;


const CONFIG: FlagSpec = { name: 'config', short: 'c', value: 'FILE', help: 'the collector config (YAML)' };

interface Command { spec: CommandSpec; run(args: string[], io: Io): Promise<number> }

const COMMANDS: readonly Command[] = [
  {
    spec: { name: 'run', args: '--config FILE', summary: "run the collector (HTTP API, /metrics, /healthz, agents' WebSocket /agent); logs are JSON lines on stdout", flags: [CONFIG] },
    async run(args) {
      const { runCommand } = await import('./cli/run.ts');
      return runCommand(required(this.spec, args, 'config'));
    },
  },
  {
    spec: {
      name: 'check-config', args: 'FILE', flags: [CONFIG],
      summary: 'validate a config and the TLS files it names; prints it with secrets as <secret>, or every problem found',
    },
    async run(args, io) {
      const p = parseCommandArgs(this.spec, args);
      const file = (p.flags.config as string | undefined) ?? p.positional[0];
      if (!file || p.positional.length > (p.flags.config ? 0 : 1)) throw usage(this.spec, 'give one config file');
      return checkConfig(file, io);
    },
  },
  {
    spec: {
      name: 'hash-token', args: '[TOKEN | --stdin]', flags: [{ name: 'stdin', help: 'read the token from standard input (keeps it out of ps and the shell history)' }],
      summary: `print the sha256 hash to store as tokenHash; with no token, a new random one (tokens need at least ${MIN_TOKEN_LENGTH} characters)`,
      more: 'A token that begins with "-" goes after "--": hash-token -- -TOKEN',
    },
    async run(args, io) {
      const p = parseCommandArgs(this.spec, args);
      if (p.positional.length > 1 || (p.flags.stdin && p.positional.length > 0)) throw usage(this.spec, 'give one token, or --stdin');
      const given = p.flags.stdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : p.positional[0];
      if (given === undefined) {
        const token = newToken();
        io.out(`token: ${token}`);
        io.out(`tokenHash: ${hashToken(token)}`);
        return 0;
      }
      if (given.length === 0) throw usage(this.spec, 'the token is empty');
      if (given.length < MIN_TOKEN_LENGTH) throw usage(this.spec, `the token has ${given.length} characters; at least ${MIN_TOKEN_LENGTH} are needed (agents and the config refuse shorter ones)`);
      io.out(`tokenHash: ${hashToken(given)}`);
      return 0;
    },
  },
  {
    spec: RECONCILE,
    async run(args, io) {
      const { reconcileCommand } = await import('./cli/reconcile.ts');
      return reconcileCommand(args, io);
    },
  },
  {
    spec: VERIFY,
    async run(args, io) {
      const { verifyCommand } = await import('./cli/verify.ts');
      return verifyCommand(args, io);
    },
  },
  {
    spec: {
      name: 'backup', args: '--config FILE DEST', flags: [CONFIG],
      summary: "copy the store consistently while the collector runs: one SQLite file at DEST with every acked event (the ingest journal's included)",
    },
    async run(args, io) {
      const p = parseCommandArgs(this.spec, args);
      const file = required(this.spec, args, 'config');
      if (p.positional.length !== 1) throw usage(this.spec, 'give one destination file');
      const { backupCommand } = await import('./cli/backup.ts');
      return backupCommand(loadConfig(file), p.positional[0]!, io);
    },
  },
  {
    spec: {
      name: 'verify-store', args: '--config FILE', flags: [CONFIG],
      summary: "walk the store's hash chain (observations, customer, report and exclusion versions, audit) and name the first row that does not fit; prints the head hash (exit 1 when something does not fit)",
    },
    async run(args, io) {
      const p = parseCommandArgs(this.spec, args);
      const file = required(this.spec, args, 'config');
      if (p.positional.length) throw usage(this.spec, 'takes no arguments besides --config');
      const { verifyStoreCommand } = await import('./cli/verify-store.ts');
      return verifyStoreCommand(loadConfig(file), io);
    },
  },
  {
    spec: CUSTOMERS,
    async run(args, io) {
      const { customersCommand } = await import('./cli/customers.ts');
      return customersCommand(args, io);
    },
  },
  {
    spec: TOKENS,
    async run(args, io) {
      const { tokensCommand } = await import('./cli/tokens.ts');
      return tokensCommand(args, io);
    },
  },
  {
    spec: SHARE_LINK,
    async run(args, io) {
      const { shareLinkCommand } = await import('./cli/tokens.ts');
      return shareLinkCommand(args, io);
    },
  },
];

const HELP = programHelp(PROGRAM, COMMANDS.map((c) => c.spec), [['--version', 'print the version, the commit it was built from and the Node.js version']]);

const stdio: Io = { out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`), err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`) };

function usage(spec: CommandSpec, message: string): DcprobeError {
  return new DcprobeError(E.USAGE, `${spec.name}: ${message}`);
}

/** The value of a required flag, or a usage error naming it. */
function required(spec: CommandSpec, args: string[], name: string): string {
  const v = parseCommandArgs(spec, args).flags[name];
  if (typeof v !== 'string') throw usage(spec, `--${name} ${spec.flags.find((f) => f.name === name)?.value ?? ''} is required`.trimEnd());
  return v;
}

function checkConfig(file: string, io: Io): number {
  let problems: string[];
  try {
    const c = loadConfig(file);
    problems = checkConfigFiles(c);
    if (problems.length === 0) {
      io.out(JSON.stringify(printableConfig(c), null, 2));
      io.out(`${file}: ok (${c.agents.length} agents, ${c.customers.length} customers, ${c.apiTokens.length} API tokens)`);
      return 0;
    }
  } catch (e) {
    if (!isCoded(e)) throw e;
    problems = e.message.split('\n');
  }
  if (problems.length === 1) io.err(problems[0]!);
  else io.err([`${file}: ${problems.length} problems`, ...problems.map((p) => `  ${p}`)].join('\n'));
  return 2;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [cmd, ...args] = argv;
  if (cmd === '--version' || cmd === 'version') { io.out(versionLine(BUILD)); return 0; }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { (cmd ? io.out : io.err)(HELP); return cmd ? 0 : 2; }
  const command = COMMANDS.find((c) => c.spec.name === cmd);
  if (!command) { io.err(`unknown command ${JSON.stringify(cmd)}\n${HELP}`); return 2; }
  if (wantsHelp(args)) { io.out(commandHelp(PROGRAM, command.spec)); return 0; }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (isCoded(e, E.USAGE)) { io.err(`${e.message}\n(${PROGRAM} ${cmd} --help lists its flags)`); return 2; }
    if (isCoded(e)) { io.err(e.message); return e.code.startsWith('DCP_CONFIG') || e.code === E.SCENARIO_INVALID ? 2 : 1; }
    io.err(`unexpected error: ${(e as Error).stack ?? String(redact(e))}`);
    return 1;
  }
}
