/**
 * What every config loader here shares (agent, collector, PDU profiles, API
 * bodies): field paths in messages, the first zod issue as one line, deep
 * freezing, and reading a YAML file with errors that name the file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DcprobeError, E } from './errors.ts';

/** `['targets', 2, 'community']` → `targets[2].community`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');
}

/** One issue as `path: message`; unknown keys as `path.key: unknown key`. `prefix` is where the parsed value sits. */
export function issueLine(i: z.ZodError['issues'][number], prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...i.path];
  if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${fieldPath([...path, k])}: unknown key`).join('; ');
  return `${fieldPath(path) || '(root)'}: ${i.message}`;
}

/** The first issue as one line. */
export function firstIssue(err: z.ZodError): string {
  return issueLine(err.issues[0]!);
}

/** Every issue, one line each, in the order zod found them (check-config shows them all). */
export function allIssues(err: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return err.issues.map((i) => issueLine(i, prefix));
}

/**
 * A config that failed validation, its problems kept as a list (`path: message`
 * each) so that check-config can print them one a line, and joined one per line
 * in the message for a log line.
 */
export class ConfigProblems extends DcprobeError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], code: string = E.CONFIG_INVALID) {
    super(code, problems.join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

/** A config that failed validation: every problem, one per line of the message. */
export function invalidConfig(problems: readonly string[], code: string = E.CONFIG_INVALID): ConfigProblems {
  return new ConfigProblems(problems, code);
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads and parses a YAML file; unreadable or unparsable files are coded errors naming the file. */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DcprobeError(E.CONFIG_READ, `cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseYaml(text);
  } catch (e) {
    throw new DcprobeError(E.CONFIG_INVALID, `${file}: not valid YAML: ${(e as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
}
