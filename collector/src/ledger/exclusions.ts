/**
 * Exclusion windows (maintenance, authorised work, …) as versions: entered,
 * corrected, withdrawn; each a new version with who entered it. The latest
 * version of each that is not withdrawn is what the reconciler sees.
 */
import type { Exclusion } from '../sla/types.ts';
import type { ExclusionChange, ExclusionFields, ExclusionVersion, LedgerStore } from '../store/types.ts';
import { auditEntry } from './audit.ts';
import { appendFirst, latestOf, newId } from './versioned.ts';

export type { ExclusionChange, ExclusionFields, ExclusionVersion } from '../store/types.ts';

export function toCoreExclusion(v: ExclusionVersion): Exclusion {
  return {
    id: v.id, start: v.start, end: v.end, category: v.category, ref: v.ref,
    ...(v.customer !== undefined ? { customer: v.customer } : {}),
    ...(v.service !== undefined ? { service: v.service } : {}),
  };
}

export interface ExclusionFilter { customer?: string; withdrawn?: boolean; from?: number; to?: number }

/** Keeps the latest versions a listing asks for: not withdrawn (unless asked), overlapping [from, to). */
export function filterExclusions(list: readonly ExclusionVersion[], opts: ExclusionFilter): ExclusionVersion[] {
  return list.filter((x) => (opts.withdrawn || !x.withdrawn)
    && (opts.from === undefined || x.end > opts.from) && (opts.to === undefined || x.start < opts.to));
}

export class Exclusions {
  constructor(private readonly store: LedgerStore, private readonly onChange: (customer: string | undefined) => void) {}

  newId(): string { return newId('X'); }
  history(id: string): Promise<ExclusionVersion[]> { return this.store.exclusionHistory(id); }
  async latest(id: string): Promise<ExclusionVersion> { return latestOf('exclusion', id, await this.history(id)); }

  /** Latest versions; with a customer, those of that customer and those of every customer. */
  async list(opts: ExclusionFilter = {}): Promise<ExclusionVersion[]> {
    return filterExclusions(await this.store.latestExclusions(opts.customer), opts);
  }

  /** A new exclusion: version 1. */
  async create(id: string, f: ExclusionFields, actor: string, now: number): Promise<ExclusionVersion> {
    const v = this.version(id, 1, 'create', f, actor, now, undefined);
    await appendFirst('exclusion', id, () => this.store.appendExclusion(v, auditEntry(now, actor, 'create', 'exclusion', id, 1)));
    this.onChange(f.customer);
    return v;
  }

  /** A correction or the withdrawal, as the version after `prev`; E.CONFLICT if `prev` is no longer the latest. */
  async revise(prev: ExclusionVersion, change: Exclude<ExclusionChange, 'create'>, f: ExclusionFields, actor: string, now: number, reason?: string): Promise<ExclusionVersion> {
    const v = this.version(prev.id, prev.version + 1, change, f, actor, now, reason);
    await this.store.appendExclusion(v, auditEntry(now, actor, change, 'exclusion', prev.id, v.version, reason === undefined ? undefined : { reason }));
    this.onChange(f.customer);
    if (prev.customer !== f.customer) this.onChange(prev.customer);
    return v;
  }

  private version(id: string, version: number, change: ExclusionChange, f: ExclusionFields, actor: string, now: number, reason: string | undefined): ExclusionVersion {
    return { ...f, id, version, change, withdrawn: change === 'withdraw', reason, recordedAt: now, recordedBy: actor };
  }
}
