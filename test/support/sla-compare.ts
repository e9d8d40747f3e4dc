/**
 * Compares a reconcile result with an expected file the way sla-examples/README.md
 * says: seconds exact, availability and coverage within 1e-6, allowedSeconds within
 * 0.001, instants as instants whatever their offset, extra fields allowed.
 * Returns the list of differences, each with its path, so a failure says where.
 */
import { parseInstant } from '@dcprobe/shared';

const INSTANT_KEYS = new Set(['start', 'end', 'reportableUntil']);
const TOLERANCE: Record<string, number> = { availability: 1e-6, coverage: 1e-6, allowedSeconds: 0.001 };
/** Lists whose items are matched by id rather than position. */
const BY_ID = new Set(['customers', 'reports']);

export function differences(actual: unknown, expected: unknown, path = '$'): string[] {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (expected === null || typeof expected !== 'object') return compareLeaf(key, actual, expected, path);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} items, got ${actual.length}: ${JSON.stringify(actual)}`];
    }
    if (BY_ID.has(key) && expected.every((e) => typeof e === 'object' && e !== null && 'id' in e)) {
      return expected.flatMap((e: { id: string }) => {
        const a = actual.find((x: { id?: string }) => x?.id === e.id);
        return a === undefined ? [`${path}: no item with id ${e.id}`] : differences(a, e, `${path}[${e.id}]`);
      });
    }
    const order = (xs: unknown[]): unknown[] => key === 'unreported'
      ? [...xs].sort((a, b) => parseInstant((a as { start: string }).start) - parseInstant((b as { start: string }).start))
      : xs;
    const as = order(actual), es = order(expected);
    return es.flatMap((e, i) => differences(as[i], e, `${path}[${i}]`));
  }
  if (actual === null || typeof actual !== 'object') return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
  return Object.entries(expected).flatMap(([k, v]) => differences((actual as Record<string, unknown>)[k], v, `${path}.${k}`));
}

function compareLeaf(key: string, actual: unknown, expected: unknown, path: string): string[] {
  const bad = [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  if (typeof expected === 'number' && TOLERANCE[key] !== undefined) {
    return typeof actual === 'number' && Math.abs(actual - expected) <= TOLERANCE[key]! ? [] : bad;
  }
  if (typeof expected === 'string' && INSTANT_KEYS.has(key)) {
    return typeof actual === 'string' && parseInstant(actual) === parseInstant(expected) ? [] : bad;
  }
  return Object.is(actual, expected) ? [] : bad;
}
