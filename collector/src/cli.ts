/**
 * dcprobe-collector: run | check-config | hash-token | reconcile | verify | customers import | tokens | share-link |
 * backup | verify-store | store copy.
 * Each command is one entry of COMMANDS: its flags, listed once, give both
 * `COMMAND --help` and the parser. Exit codes: 0 ok, 1 runtime failure,
 * 2 bad input (config, flags, scenario), 3 evidence that does not verify.
 */
import { readFileSync } from 'node:fs';
import {
  checkConfigCommand, parseCommandArgs, requiredFlag, runProgram, usage,
  type CliIo, type Command, type FlagSpec,
} from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import { RECONCILE } from './cli/reconcile.ts';
import { VERIFY } from './cli/verify.ts';
import { CUSTOMERS } from './cli/customers.ts';
import { STORE } from './cli/store.ts';
import { SHARE_LINK, TOKENS } from './cli/tokens.ts';
import { checkConfigFiles, loadConfig, printableConfig } from './config.ts';
import { hashToken, newToken } from './tokens.ts';

export type Io = CliIo;
/** Agents refuse shorter tokens, and so does the config. */
export const MIN_TOKEN_LENGTH = 16;

const CONFIG: FlagSpec = { name: 'config', short: 'c', value: 'FILE', help: 'the collector config (YAML)' };

const COMMANDS: readonly Command[] = [
  {
    spec: { name: 'run', args: '--config FILE', summary: "run the collector (HTTP API, /metrics, /healthz, agents' WebSocket /agent); logs are JSON lines on stdout", flags: [CONFIG] },
    async run(args) {
      const { runCommand } = await import('./cli/run.ts');
      return runCommand(requiredFlag(this.spec, args, 'config'));
    },
  },
  checkConfigCommand('validate a config and the TLS files it names; prints it with secrets as <secret>, or every problem found', CONFIG, (file, io) => {
    const c = loadConfig(file);
    const problems = checkConfigFiles(c);
    if (problems.length > 0) return problems;
    io.out(JSON.stringify(printableConfig(c), null, 2));
    io.out(`${file}: ok (${c.agents.length} agents, ${c.customers.length} customers, ${c.apiTokens.length} API tokens)`);
    return [];
  }),
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
      const file = requiredFlag(this.spec, args, 'config');
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
      const file = requiredFlag(this.spec, args, 'config');
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
    spec: STORE,
    async run(args, io) {
      const { storeCommand } = await import('./cli/store.ts');
      return storeCommand(args, io);
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

export function main(argv: string[], io?: Io): Promise<number> {
  return runProgram(BUILD, COMMANDS, argv, io);
}
