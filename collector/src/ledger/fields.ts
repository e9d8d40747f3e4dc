/**
 * Request body fields: each check names the field, so a 400 tells the caller
 * exactly what to fix (`reportedAt: expected an ISO 8601 time with an offset`).
 */
import { DcprobeError, E, parseInstant } from '@dcprobe/shared';

export type Body = Record<string, unknown>;

export function fail(field: string, message: string): never {
  throw new DcprobeError(E.VALIDATION, `${field}: ${message}`);
}

export function bodyObject(v: unknown): Body {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('body', 'expected a JSON object');
  return v as Body;
}

export function onlyKeys(b: Body, allowed: readonly string[]): void {
  for (const k of Object.keys(b)) if (!allowed.includes(k)) fail(k, 'unknown field');
}

const ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;

export function id(b: Body, key: string, required: true): string;
export function id(b: Body, key: string, required: false): string | undefined;
export function id(b: Body, key: string, required: boolean): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) { if (required) fail(key, 'required'); return undefined; }
  if (typeof v !== 'string' || !ID_RE.test(v)) fail(key, 'expected 1-100 letters, digits or . _ : -');
  return v;
}

export function text(b: Body, key: string, max = 10_000): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(key, 'expected a string');
  if (v.length > max) fail(key, `longer than ${max} characters`);
  return v;
}

export function oneOf<T extends string>(b: Body, key: string, allowed: readonly T[], required: boolean): T | undefined {
  const v = b[key];
  if (v === undefined || v === null) { if (required) fail(key, `required (one of ${allowed.join(', ')})`); return undefined; }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(key, `expected one of ${allowed.join(', ')}`);
  return v as T;
}

/** An instant: ISO 8601 with an offset; null or absent is undefined. */
export function instant(b: Body, key: string, required: boolean): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) { if (required) fail(key, 'required (an ISO 8601 time with an offset)'); return undefined; }
  return parseInstant(v, key);
}

export function notBefore(later: number | undefined, laterKey: string, earlier: number | undefined, earlierKey: string): void {
  if (later !== undefined && earlier !== undefined && later < earlier) fail(laterKey, `must not be before ${earlierKey}`);
}
