/**
 * Field readers for scenario files. Each takes the path of what it reads, so every
 * error names the field and the item (`reports[1].noticeAt: ...`).
 */
import { DcprobeError, E, isCoded, parseInstant } from '@dcprobe/shared';

export type Obj = Record<string, unknown>;

export function fail(path: string, message: string): never {
  throw new DcprobeError(E.SCENARIO_INVALID, path === '' ? message : `${path}: ${message}`);
}

export const at = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

export function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path || 'scenario', `expected an object, got ${describe(v)}`);
  return v as Obj;
}

/** Rejects keys the format does not know: a misspelt `claimStart` must not pass silently. */
export function onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(at(path, k), 'unknown field');
}

export function list(o: Obj, key: string, path: string, required: boolean): unknown[] {
  const v = o[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) fail(at(path, key), v === undefined ? 'required' : `expected a list, got ${describe(v)}`);
  return v;
}

export function text(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(at(path, key), v === undefined ? 'required' : `expected a non-empty string, got ${describe(v)}`);
  return v;
}

export function optionalText(o: Obj, key: string, path: string): string | undefined {
  return o[key] === undefined ? undefined : text(o, key, path);
}

export function texts(o: Obj, key: string, path: string, required: boolean): string[] {
  const items = list(o, key, path, required);
  if (required && items.length === 0) fail(at(path, key), 'expected at least one entry');
  return items.map((v, i) => {
    if (typeof v !== 'string' || v === '') fail(at(at(path, key), i), `expected a non-empty string, got ${describe(v)}`);
    return v;
  });
}

export function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback?: T): T {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(at(path, key), `${v === undefined ? 'required' : `${describe(v)} is not allowed`}; expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function optionalNumber(o: Obj, key: string, path: string, ok: (n: number) => boolean, rule: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(at(path, key), `expected ${rule}, got ${describe(v)}`);
  return v;
}

/** An ISO 8601 time with an offset, as UTC ms; a time without an offset is an error. */
export function instant(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (v === undefined) fail(at(path, key), 'required');
  try {
    return parseInstant(v, at(path, key));
  } catch (e) {
    if (isCoded(e, E.TIME_INVALID)) fail('', e.message);
    throw e;
  }
}

export function optionalInstant(o: Obj, key: string, path: string): number | undefined {
  return o[key] === undefined ? undefined : instant(o, key, path);
}

/** Remembers ids per list, so a duplicate names the item it repeats. */
export class IdRegistry {
  private readonly seen = new Map<string, string>();
  constructor(private readonly what: string) {}
  add(id: string, path: string): void {
    const first = this.seen.get(id);
    if (first !== undefined) fail(at(path, 'id'), `duplicate ${this.what} id ${JSON.stringify(id)} (first at ${first})`);
    this.seen.set(id, path);
  }
  has(id: string): boolean { return this.seen.has(id); }
}
