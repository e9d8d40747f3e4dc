/**
 * Both programs' command lines: each command is one entry of a table (name,
 * arguments, flags with their help), from which the overview, `COMMAND --help`
 * and the flag parser are made, so a flag is listed where it is parsed.
 */
import { DcprobeError, E } from './errors.ts';

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

function usage(c: CommandSpec, message: string): DcprobeError {
  return new DcprobeError(E.USAGE, `${c.name}: ${message}`);
}
