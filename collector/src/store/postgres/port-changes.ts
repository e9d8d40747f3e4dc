/**
 * Ports' state changes with the administrative state their events carried
 * (evidence.admin), for the ports view and the report page: the same read as
 * sqlite/port-changes.ts, every subject from one REPEATABLE READ snapshot.
 * Evidence is stored as the agent's JSON text; it is parsed here, and a row
 * whose evidence is absent or not JSON has no admin state.
 */
import type pg from 'pg';
import { isAdminStatus, type AdminStatus, type SeenVia, type State } from '@dcprobe/shared';
import type { PortChange } from '../types.ts';
import { inTransaction, READ_SNAPSHOT } from './tx.ts';

interface Row { subject: string; state: State; at: string | number; via: SeenVia; evidence: string | null }

// The last change at or before `from` (the state the window opens in), then every change inside it.
const READ = `SELECT subject, state, at, via, evidence, id FROM (
    SELECT DISTINCT ON (subject) subject, state, at, via, evidence, id FROM observations
      WHERE subject = ANY($1::text[]) AND at <= $2 ORDER BY subject, at DESC, id DESC) opening
  UNION ALL
  SELECT subject, state, at, via, evidence, id FROM observations WHERE subject = ANY($1::text[]) AND at > $2 AND at <= $3
  ORDER BY subject, at, id`;

function adminOf(evidence: string | null): AdminStatus | null {
  if (evidence === null) return null;
  try {
    const admin = (JSON.parse(evidence) as { admin?: unknown } | null)?.admin;
    return isAdminStatus(admin) ? admin as AdminStatus : null;
  } catch {
    return null;
  }
}

export async function readPortChanges(pool: pg.Pool, subjects: readonly string[], from: number, asOf: number): Promise<Map<string, PortChange[]>> {
  const unique = [...new Set(subjects)];
  const out = new Map<string, PortChange[]>(unique.map((s) => [s, []]));
  if (unique.length === 0) return out;
  const r = await inTransaction(pool, 'port changes', (c) => c.query<Row>(READ, [unique, from, asOf]), READ_SNAPSHOT);
  for (const row of r.rows) {
    out.get(row.subject)!.push({ subject: row.subject, state: row.state, at: Number(row.at), via: row.via, admin: adminOf(row.evidence) });
  }
  return out;
}
