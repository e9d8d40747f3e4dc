/**
 * `dcprobe-agent`: run the agent, check a config, or probe one device.
 * Each command is one entry of COMMANDS: its flags, listed once, give both
 * `COMMAND --help` and the parser (a probe kind's flags live with the kind).
 * Exit codes: 0 fine, 1 runtime failure, 2 wrong usage or invalid config.
 */
import { stringify as toYaml } from 'yaml';
import {
  checkConfigCommand, requiredFlag, runProgram, type CliIo as SharedIo, type Command, type FlagSpec,
} from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import { loadConfig, printableConfig } from './config.ts';

export type CliIo = SharedIo;
const PROGRAM = 'dcprobe-agent';
const CONFIG: FlagSpec = { name: 'config', short: 'c', value: 'FILE', help: 'the agent config (YAML)' };

const COMMANDS: readonly Command[] = [
  {
    spec: { name: 'run', args: '--config FILE', flags: [CONFIG], summary: 'run the agent (polls, traps, outbox, link to the collector); logs are JSON lines on stdout' },
    async run(args) {
      const file = requiredFlag(this.spec, args, 'config');
      const { runCommand } = await import('./cli/run.ts');
      return runCommand(file);
    },
  },
  checkConfigCommand('validate a config and print it with defaults filled, secrets as <secret>, or every problem found', CONFIG, (file, io) => {
    io.out(toYaml(printableConfig(loadConfig(file))).trimEnd());
    return [];
  }),
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
    async help(program, args) {
      const { probeHelp } = await import('./cli/probe.ts');
      return probeHelp(program, this.spec, args);
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

export function main(argv: string[], io?: CliIo): Promise<number> {
  return runProgram(BUILD, COMMANDS, argv, io);
}
