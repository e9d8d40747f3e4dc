/**
 * Both programs' command lines: each command is one entry of a table (name,
 * arguments, flags with their help), from which the overview, `COMMAND --help`
 * and the flag parser are made, so a flag is listed where it is parsed;
 * runProgram dispatches argv to the table and turns errors into exit codes.
 */
import { versionLine, type BuildInfo } from './build-info.ts';
import { ConfigProblems } from './config-util.ts';
import { DcprobeError, E, isCoded } from './errors.ts';
import { redact } from './secrets.ts';

export interface FlagSpec {
  /** Without dashes: `config` is `--config`. */
  name: string;
  /** The value's placeholder (`FILE`); absent for a switch (`--json`). */
  value?: string;
  /** A one-letter alias (`c` is `-c`). */
  short?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** Positional arguments and required flags as the synopsis shows them. */
  args: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Lines after the flags (kinds, exit codes, examples). */
  more?: string;
}

export interface CliIo { out(s: string): void; err(s: string): void }

const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', help: 'this text' };

export function wantsHelp(args: readonly string[]): boolean {
  // Only before a `--`: what follows it is an argument (a token may begin with dashes).
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function flagColumn(f: FlagSpec): string {
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}`;
}

/** `usage: P COMMAND ARGS`, the summary, every flag with its help. */
export function commandHelp(program: string, c: CommandSpec): string {
  const flags = [...c.flags, HELP_FLAG];
  const width = Math.max(...flags.map((f) => flagColumn(f).length));
  return [
    `usage: ${program} ${c.name}${c.args ? ` ${c.args}` : ''}`, '', `  ${c.summary}`, '', 'flags:',
    ...flags.map((f) => `  ${flagColumn(f).padEnd(width)}  ${f.help}`),
    ...(c.more ? ['', c.more] : []),
  ].join('\n');
}

/** The program's overview: one line per command. */
export function programHelp(program: string, commands: readonly CommandSpec[], extra: readonly [string, string][] = []): string {
  const rows: [string, string][] = [...commands.map((c): [string, string] => [`${c.name} ${c.args}`.trim(), c.summary]), ...extra];
  const width = Math.min(40, Math.max(...rows.map(([a]) => a.length)));
  return [
    `usage: ${program} <command> [flags]`, '',
    ...rows.map(([a, s]) => (a.length > width ? `  ${a}\n  ${''.padEnd(width)}  ${s}` : `  ${a.padEnd(width)}  ${s}`)),
    '', `${program} COMMAND --help lists a command's flags.`,
  ].join('\n');
}

export interface ParsedArgs {
  flags: Record<string, string | boolean>;
  positional: string[];
}

/**
 * Parses `--name value`, `--name=value`, `-c value` and switches against the
 * command's flags; everything after `--` is positional. A flag the command does
 * not have, a value missing, or a flag given twice is a DCP_USAGE error naming it.
 */
export function parseCommandArgs(c: CommandSpec, args: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { flags: {}, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { out.positional.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { out.positional.push(a); continue; }
    const eq = a.indexOf('=');
    const given = eq > 0 ? a.slice(0, eq) : a;
    const f = c.flags.find((x) => `--${x.name}` === given || (x.short && `-${x.short}` === given));
    if (!f) throw usage(c, `${given}: unknown flag`);
    if (f.name in out.flags) throw usage(c, `--${f.name}: given twice`);
    if (!f.value) {
      if (eq > 0) throw usage(c, `--${f.name}: takes no value`);
      out.flags[f.name] = true;
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || (eq < 0 && v.startsWith('--'))) throw usage(c, `--${f.name}: needs a value (${f.value})`);
    out.flags[f.name] = v;
  }
  return out;
}

/** A command line the command cannot follow: `NAME: message`, exit 2. */
export function usage(c: CommandSpec, message: string): DcprobeError {
  return new DcprobeError(E.USAGE, `${c.name}: ${message}`);
}

/** The value of a flag the command cannot go without, or a usage error naming it. */
export function requiredFlag(c: CommandSpec, args: readonly string[], name: string): string {
  const v = parseCommandArgs(c, args).flags[name];
  if (typeof v !== 'string') throw usage(c, `--${name} ${c.flags.find((f) => f.name === name)?.value ?? ''}`.trimEnd() + ' is required');
  return v;
}

/** One entry of a program's table. */
export interface Command {
  spec: CommandSpec;
  run(args: string[], io: CliIo): Promise<number>;
  /** `COMMAND --help` when the spec alone cannot say it (the agent's probe lists each kind's flags). */
  help?(program: string, args: readonly string[]): Promise<string>;
}

/** Errors that say the input must change (exit 2); any other coded error is a runtime failure (exit 1). */
const BAD_INPUT: readonly string[] = [E.USAGE, E.CONFIG_INVALID, E.CONFIG_READ, E.SCENARIO_INVALID];

/** Each line written once with its newline (text that ends in one, a CSV, gets no second). */
const stdio: CliIo = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

/**
 * A program's main: `--version`, `--help`, `COMMAND --help`, or the command's
 * run. Exit codes: the command's own (0 ok, 1 runtime failure, 2 bad input, or
 * another it documents, like verify's 3); a thrown coded error prints its
 * message and exits 2 for bad input, 1 otherwise; anything else is a bug,
 * printed with its stack, exit 1.
 */
export async function runProgram(build: BuildInfo, commands: readonly Command[], argv: readonly string[], io: CliIo = stdio): Promise<number> {
  const program = build.program;
  const [cmd, ...args] = argv;
  if (cmd === '--version' || cmd === 'version') { io.out(versionLine(build)); return 0; }
  const overview = () => programHelp(program, commands.map((c) => c.spec), [['--version', 'print the version, the commit it was built from and the Node.js version']]);
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { (cmd ? io.out : io.err)(overview()); return cmd ? 0 : 2; }
  const command = commands.find((c) => c.spec.name === cmd);
  if (!command) { io.err(`unknown command ${JSON.stringify(cmd)}\n${overview()}`); return 2; }
  try {
    if (wantsHelp(args)) { io.out(command.help ? await command.help(program, args) : commandHelp(program, command.spec)); return 0; }
    return await command.run(args, io);
  } catch (e) {
    if (isCoded(e, E.USAGE)) { io.err(`${e.message}\n(${program} ${cmd} --help lists its flags)`); return 2; }
    if (isCoded(e)) { io.err(e.message); return BAD_INPUT.includes(e.code) ? 2 : 1; }
    io.err(`unexpected error: ${(e as Error).stack ?? String(redact(e))}`);
    return 1;
  }
}

/**
 * `check-config FILE` (or `--config FILE`) for both programs. `check` loads the
 * file, prints it when it is valid and returns [], or returns the problems it
 * found after loading (files the config names); a config the loader refuses
 * gives the loader's. Problems print one a line, each `FILE: field.path: what`,
 * and a last line `FILE: N problems` when there is more than one: exit 2.
 */
export function checkConfigCommand(summary: string, config: FlagSpec, check: (file: string, io: CliIo) => readonly string[]): Command {
  const spec: CommandSpec = { name: 'check-config', args: 'FILE', flags: [config], summary };
  return {
    spec,
    async run(args, io) {
      const p = parseCommandArgs(spec, args);
      const file = typeof p.flags[config.name] === 'string' ? p.flags[config.name] as string : p.positional[0];
      if (!file || p.positional.length > (p.flags[config.name] ? 0 : 1)) throw usage(spec, 'give one config file');
      let problems: readonly string[];
      try {
        problems = check(file, io);
      } catch (e) {
        // A file that cannot be read or parsed is one line that names it already.
        if (isCoded(e) && !(e instanceof ConfigProblems)) { io.err(e.message); return 2; }
        if (!(e instanceof ConfigProblems)) throw e;
        problems = e.problems;
      }
      if (problems.length === 0) return 0;
      for (const line of problems) io.err(`${file}: ${line}`);
      if (problems.length > 1) io.err(`${file}: ${problems.length} problems`);
      return 2;
    },
  };
}
