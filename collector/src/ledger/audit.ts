/**
 * The audit trail: who changed what and when, one row per change, written in
 * the same transaction as the change itself (so there is never a change without
 * its audit row). Actors are API token names or 'config', never token values.
 */
import type { Db } from '../store/sqlite/db.ts';

export interface AuditRow {
  at: string; actor: string; action: string; entity: string; entityId: string; version: number | null; detail: unknown;
}

export type Entity = 'customer' | 'report' | 'exclusion';

export class Audit {
  private readonly ins;
  constructor(private readonly db: Db) {
    this.ins = db.prepare(`INSERT INTO audit (at, actor, action, entity, entity_id, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  record(at: number, actor: string, action: string, entity: Entity, entityId: string, version: number | null, detail?: unknown): void {
    this.ins.run(at, actor, action, entity, entityId, version, detail === undefined ? null : JSON.stringify(detail));
  }

  of(entity: Entity, entityId: string): AuditRow[] {
    const rows = this.db.prepare(`SELECT at, actor, action, entity, entity_id entityId, version, detail FROM audit
      WHERE entity = ? AND entity_id = ? ORDER BY id`).all(entity, entityId) as (Omit<AuditRow, 'at' | 'detail'> & { at: number; detail: string | null })[];
    return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString(), detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
