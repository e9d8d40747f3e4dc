/**
 * Ports' state changes with the administrative state their events carried
 * (evidence.admin), for the ports view and the report page. One read
 * transaction, so every subject is read from the same snapshot.
 */
import { isAdminStatus, type AdminStatus, type SeenVia, type State } from '@dcprobe/shared';
import type { PortChange } from '../types.ts';
import type { Db } from './db.ts';

interface Row { subject: string; state: State; at: number; via: SeenVia; admin: unknown }

// Evidence is the JSON the agent sent; a row without it (or not JSON) has no admin state.
const ADMIN = `CASE WHEN json_valid(evidence) THEN json_extract(evidence, '$.admin') END AS admin`;

export function portChangesReader(db: Db) {
  const before = db.prepare(`SELECT subject, state, at, via, ${ADMIN} FROM observations WHERE subject = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`);
  const between = db.prepare(`SELECT subject, state, at, via, ${ADMIN} FROM observations WHERE subject = ? AND at > ? AND at <= ? ORDER BY at, id`);
  const change = (r: Row): PortChange => ({ subject: r.subject, state: r.state, at: r.at, via: r.via, admin: isAdminStatus(r.admin) ? r.admin as AdminStatus : null });
  const read = db.transaction((subjects: readonly string[], from: number, asOf: number): Map<string, PortChange[]> => {
    const out = new Map<string, PortChange[]>();
    for (const s of subjects) {
      if (out.has(s)) continue;
      out.set(s, [...(before.all(s, from) as Row[]), ...(between.all(s, from, asOf) as Row[])].map(change));
    }
    return out;
  });
  return (subjects: readonly string[], from: number, asOf: number): Map<string, PortChange[]> => read(subjects, from, asOf);
}
