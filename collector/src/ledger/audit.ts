/**
 * The audit trail: who changed what and when, one row per change, written by
 * the store in the same transaction as the change itself (so there is never a
 * change without its audit row). Actors are API token names or 'config',
 * never token values.
 */
import type { AuditEntity, AuditEntry, LedgerStore } from '../store/types.ts';

export type Entity = AuditEntity;

export interface AuditRow {
  at: string; actor: string; action: string; entity: string; entityId: string; version: number | null; detail: unknown;
}

/** The row a change writes with it; `detail` only when there is one. */
export function auditEntry(at: number, actor: string, action: string, entity: Entity, entityId: string, version: number | null, detail?: unknown): AuditEntry {
  return { at, actor, action, entity, entityId, version, ...(detail === undefined ? {} : { detail }) };
}

export class Audit {
  constructor(private readonly store: LedgerStore) {}

  async of(entity: Entity, entityId: string): Promise<AuditRow[]> {
    return (await this.store.audit(entity, entityId)).map((r) => ({
      at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, entity: r.entity, entityId: r.entityId, version: r.version, detail: r.detail ?? null,
    }));
  }
}
