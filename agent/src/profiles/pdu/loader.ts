/**
 * Loads PDU / feed profiles: the built-in YAML files beside this module, or an
 * operator's file named in the target (`profileFile`). Errors name the file
 * and the field path (`apc-ats.yaml: feeds[0].rules[1].when.volts: no value
 * named "volts" in this feed`). Loaded profiles are cached and frozen.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { DcprobeError, E, deepFreeze, firstIssue } from '@dcprobe/shared';
import { profileSchema, type PduProfile } from './schema.ts';

export const BUILTIN_DIR = dirname(fileURLToPath(import.meta.url));

const cache = new Map<string, PduProfile>();


/** Parses and validates profile text; `label` names it in errors. */
export function parseProfile(text: string, label: string): PduProfile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new DcprobeError(E.CONFIG_INVALID, `${label}: not valid YAML: ${(e as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
  }
  const r = profileSchema.safeParse(raw);
  if (!r.success) throw new DcprobeError(E.CONFIG_INVALID, `${label}: ${firstIssue(r.error)}`);
  return deepFreeze(r.data);
}

/** Reads a profile file (absolute, or relative to the working directory). */
export function loadProfileFile(file: string): PduProfile {
  const path = resolve(file);
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DcprobeError(E.CONFIG_READ, `cannot read profile ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const p = parseProfile(text, basename(path));
  cache.set(path, p);
  return p;
}

/** Names of the built-in profiles (`<name>.yaml` beside this module). */
export function builtinProfiles(): string[] {
  return readdirSync(BUILTIN_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** A built-in profile by name; the file's `name` must match its file name. */
export function loadBuiltinProfile(name: string): PduProfile {
  const known = builtinProfiles();
  if (!known.includes(name)) {
    throw new DcprobeError(E.CONFIG_INVALID, `unknown profile ${JSON.stringify(name)} (built in: ${known.join(', ')}; or give profileFile)`);
  }
  const p = loadProfileFile(join(BUILTIN_DIR, `${name}.yaml`));
  if (p.name !== name) throw new DcprobeError(E.CONFIG_INVALID, `${name}.yaml: name: must be ${JSON.stringify(name)}, the file's name`);
  return p;
}
