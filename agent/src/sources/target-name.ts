/**
 * A target's name prefixes the subject ids of everything it measures
 * (`sw1/ge-0/0/1`, `ups1/output`), so every kind takes it from here.
 */
import { z } from 'zod';

/** A letter or digit first, at most 100 characters: it must leave room in a subject id. */
const PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const targetNameSchema = z.string().regex(PATTERN, 'use letters, digits, ".", "_" and "-" (it prefixes subject ids)');

/**
 * The name `probe` gives a target from the host it was pointed at:
 * `10.0.0.1` → `10.0.0.1`, `sw1.example` → `sw1.example`, `::1` → `1`,
 * and `fallback` when nothing usable is left.
 */
export function probeTargetName(host: string, fallback: string): string {
  const name = host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return name || fallback;
}
