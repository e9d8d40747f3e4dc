/**
 * `dcprobe-agent`: run the agent, check a config, or probe one device.
 * Each command is one entry of COMMANDS: its flags, listed once, give both
 * `COMMAND --help` and the parser (a probe kind's flags live with the kind).
 * Exit codes: 0 fine, 1 runtime failure, 2 wrong usage or invalid config.
 */
import { stringify as toYaml } from 'yaml';
import {
  DcprobeError, E, commandHelp, isCoded, parseCommandArgs, programHelp, versionLine, wantsHelp,
  type CliIo as SharedIo, type CommandSpec, type FlagSpec,
} from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import { loadConfig, printableConfig } from './config.ts';

export type CliIo = SharedIo;
const PROGRAM = 'dcprobe-agent';
const CONFIG: FlagSpec = { name: 'config', short: 'c', value: 'FILE', help: 'the agent config (YAML)' };

interface Command { spec: CommandSpec; run(args: string[], io: CliIo): Promise<number> }

const COMMANDS: readonly Command[] = [
  {
    spec: { name: 'run', args: '--config FILE', flags: [CONFIG], summary: 'run the agent (polls, traps, outbox, link to the collector); logs are JSON lines on stdout' },
    async run(args) {
      const file = parseCommandArgs(this.spec, args).flags.config;
      if (typeof file !== 'string') throw usage(this.spec, '--config FILE is required');
      const { runCommand } = await import('./cli/run.ts');
      return runCommand(file);
    },
  },
  {
    spec: { name: 'check-config', args: 'FILE', flags: [CONFIG], summary: 'validate a config and print it with defaults filled, secrets as <secret>, or every problem found' },
    async run(args, io) {
      const p = parseCommandArgs(this.spec, args);
      const file = (p.flags.config as string | undefined) ?? p.positional[0];
      if (!file || p.positional.length > (p.flags.config ? 0 : 1)) throw usage(this.spec, 'give one config file');
      return checkConfig(file, io);
    },
  },
  {
    spec: {
      name: 'probe', args: 'KIND HOST[:PORT]', summary: 'poll one device once and print its readings',
      flags: [{ name: 'json', help: 'print the readings as JSON' }],
      more: `Each kind takes its own flags: ${PROGRAM} probe KIND --help lists them.`,
    },
    async run(args, io) {
      const { probeCommand } = await import('./cli/probe.ts');
      return probeCommand(args, io);
    },
  },
  {
    spec: {
      name: 'discover', args: 'KIND HOST[:PORT]',
      summary: "read a switch's interfaces and print a target block for agent.yml and a customers block for collector.yml",
      flags: [{ name: 'json', help: 'print the interfaces as JSON' }],
      more: `Each kind takes its own flags: ${PROGRAM} discover KIND --help lists them.`,
    },
    async run(args, io) {
      const { discoverCommand } = await import('./cli/discover.ts');
      return discoverCommand(args, io);
    },
  },
];

const HELP = programHelp(PROGRAM, COMMANDS.map((c) => c.spec), [['--version', 'print the version, the commit it was built from and the Node.js version']]);

const stdio: CliIo = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

function usage(spec: CommandSpec, message: string): DcprobeError {
  return new DcprobeError(E.USAGE, `${spec.name}: ${message}`);
}

function checkConfig(file: string, io: CliIo): number {
  try {
    io.out(toYaml(printableConfig(loadConfig(file))).trimEnd());
    return 0;
  } catch (e) {
    if (!isCoded(e)) throw e;
    const problems = e.message.split('\n');
    for (const p of problems) io.err(`${file}: ${p}`);
    if (problems.length > 1) io.err(`${file}: ${problems.length} problems`);
    return 2;
  }
}

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === 'version') { io.out(versionLine(BUILD)); return 0; }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { (cmd ? io.out : io.err)(HELP); return cmd ? 0 : 2; }
  const command = COMMANDS.find((c) => c.spec.name === cmd);
  if (!command) { io.err(`unknown command ${JSON.stringify(cmd)}\n${HELP}`); return 2; }
  if (wantsHelp(rest)) {
    if (cmd === 'probe') { const { probeHelp } = await import('./cli/probe.ts'); io.out(probeHelp(PROGRAM, command.spec, rest)); return 0; }
    io.out(commandHelp(PROGRAM, command.spec));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (isCoded(e, E.USAGE)) {
      io.err(`${e.message}\n(${PROGRAM} ${cmd} --help lists its flags)`);
      return 2;
    }
    throw e;
  }
}
