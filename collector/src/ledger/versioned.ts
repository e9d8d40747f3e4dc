/**
 * What reports and exclusions share: an entity kept as append-only versions
 * under a text id (`R-…`, `X-…`). A new id is version 1; a change is the
 * version after the one it was based on, and the store refuses it
 * (E.CONFLICT, HTTP 409) when someone else changed the item first.
 */
import { randomBytes } from 'node:crypto';
import { DcprobeError, E, isCoded } from '@dcprobe/shared';

export function newId(prefix: string): string { return `${prefix}-${randomBytes(5).toString('hex')}`; }

/** The latest of a history; 404 naming the entity when there is none. */
export function latestOf<V>(entity: string, id: string, history: readonly V[]): V {
  const v = history[history.length - 1];
  if (v === undefined) throw new DcprobeError(E.NOT_FOUND, `unknown ${entity} ${JSON.stringify(id)}`);
  return v;
}

/** Appends version 1 of a new id: an id already taken is the caller's mistake (400), not a race. */
export async function appendFirst(entity: string, id: string, append: () => Promise<void>): Promise<void> {
  try {
    await append();
  } catch (e) {
    if (isCoded(e, E.CONFLICT)) throw new DcprobeError(E.VALIDATION, `id: ${entity} ${JSON.stringify(id)} already exists (correct it with PUT)`);
    throw e;
  }
}
