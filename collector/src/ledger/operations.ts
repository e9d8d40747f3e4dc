/**
 * Operations the customer authorised, as versions: entered when the
 * authorisation is received (starting the 30-min first-feedback timer), then
 * corrected (first feedback given, a time fixed) as new versions with who
 * entered each and an audit row. Timers only: the reconciler never sees them.
 */
import type { LedgerStore, OperationFields, OperationVersion } from '../store/types.ts';
import { auditEntry } from './audit.ts';
import { appendFirst, latestOf, newId } from './versioned.ts';

export type { OperationFields, OperationVersion } from '../store/types.ts';

export class Operations {
  // No change listeners: an operation never moves the minutes the SLA caches hold.
  constructor(private readonly store: LedgerStore) {}

  newId(): string { return newId('O'); }
  history(id: string): Promise<OperationVersion[]> { return this.store.operationHistory(id); }
  async latest(id: string): Promise<OperationVersion> { return latestOf('operation', id, await this.history(id)); }

  /** Latest versions, of one customer or of all, by authorisation time. */
  list(customer?: string): Promise<OperationVersion[]> { return this.store.latestOperations(customer); }

  async create(id: string, f: OperationFields, actor: string, now: number): Promise<OperationVersion> {
    const v: OperationVersion = { ...f, id, version: 1, change: 'create', recordedAt: now, recordedBy: actor };
    await appendFirst('operation', id, () => this.store.appendOperation(v, auditEntry(now, actor, 'create', 'operation', id, 1)));
    return v;
  }

  /** The version after `prev`; E.CONFLICT if `prev` is no longer the latest. */
  async correct(prev: OperationVersion, f: OperationFields, actor: string, now: number, reason?: string): Promise<OperationVersion> {
    const v: OperationVersion = { ...f, id: prev.id, version: prev.version + 1, change: 'correct', reason, recordedAt: now, recordedBy: actor };
    await this.store.appendOperation(v, auditEntry(now, actor, 'correct', 'operation', prev.id, v.version, reason === undefined ? undefined : { reason }));
    return v;
  }
}
