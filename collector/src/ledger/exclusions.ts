/**
 * Exclusion windows (maintenance, authorised work, …) as versions: entered,
 * corrected, withdrawn; each a new version with who entered it. The latest
 * version of each that is not withdrawn is what the reconciler sees.
 */
import type { Db } from '../store/sqlite/db.ts';
import type { Exclusion, ExclusionCategory, Service } from '../sla/types.ts';
import type { Audit } from './audit.ts';
import { Versions } from './versioned.ts';

export type ExclusionChange = 'create' | 'correct' | 'withdraw';

/** An exclusion as the reconciler sees it, without its id. */
export type ExclusionFields = Omit<Exclusion, 'id'>;

export interface ExclusionVersion extends ExclusionFields {
  id: string; version: number; change: ExclusionChange; withdrawn: boolean;
  reason?: string | undefined; recordedAt: number; recordedBy: string;
}

interface Row {
  id: string; version: number; change: ExclusionChange; customer: string | null; service: Service | null;
  start: number; end: number; category: ExclusionCategory; ref: string; withdrawn: number;
  reason: string | null; recordedAt: number; recordedBy: string;
}

const COLS = `exclusion_id id, version, change, customer_id customer, service, start, end, category, ref, withdrawn,
  reason, recorded_at recordedAt, recorded_by recordedBy`;
function fromRow(r: Row): ExclusionVersion {
  return {
    id: r.id, version: r.version, change: r.change, customer: r.customer ?? undefined, service: r.service ?? undefined,
    start: r.start, end: r.end, category: r.category, ref: r.ref, withdrawn: r.withdrawn === 1,
    reason: r.reason ?? undefined, recordedAt: r.recordedAt, recordedBy: r.recordedBy,
  };
}

export function toCoreExclusion(v: ExclusionVersion): Exclusion {
  return {
    id: v.id, start: v.start, end: v.end, category: v.category, ref: v.ref,
    ...(v.customer !== undefined ? { customer: v.customer } : {}),
    ...(v.service !== undefined ? { service: v.service } : {}),
  };
}

export class ExclusionStore {
  private readonly versions;
  private readonly listAll;
  private readonly listOf;
  constructor(private readonly db: Db, private readonly audit: Audit, private readonly onChange: (customer: string | undefined) => void) {
    this.versions = new Versions(db, { entity: 'exclusion', table: 'exclusion_versions', idColumn: 'exclusion_id', cols: COLS, idPrefix: 'X', fromRow });
    this.listAll = db.prepare(`${this.versions.latestSql} ORDER BY start, exclusion_id`);
    this.listOf = db.prepare(`${this.versions.latestSql} AND (customer_id IS NULL OR customer_id = ?) ORDER BY start, exclusion_id`);
  }

  newId(): string { return this.versions.newId(); }
  history(id: string): ExclusionVersion[] { return this.versions.history(id); }
  latest(id: string): ExclusionVersion { return this.versions.latest(id); }

  /** Latest versions; with a customer, those of that customer and those of every customer. */
  list(opts: { customer?: string; withdrawn?: boolean; from?: number; to?: number } = {}): ExclusionVersion[] {
    const rows = (opts.customer === undefined ? this.listAll.all() : this.listOf.all(opts.customer)) as Row[];
    return rows.map(fromRow).filter((x) => (opts.withdrawn || !x.withdrawn)
      && (opts.from === undefined || x.end > opts.from) && (opts.to === undefined || x.start < opts.to));
  }

  append(id: string, change: ExclusionChange, f: ExclusionFields, actor: string, now: number, reason?: string): ExclusionVersion {
    let before: string | null | undefined;
    const v = this.db.transaction(() => {
      const next = this.versions.next(id, change === 'create');
      const version = next.version;
      before = next.before;
      const withdrawn = change === 'withdraw';
      this.db.prepare(`INSERT INTO exclusion_versions (exclusion_id, version, change, customer_id, service, start, end, category, ref,
        withdrawn, reason, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, version, change,
        f.customer ?? null, f.service ?? null, f.start, f.end, f.category, f.ref, withdrawn ? 1 : 0, reason ?? null, now, actor);
      this.audit.record(now, actor, change, 'exclusion', id, version, reason === undefined ? undefined : { reason });
      return { ...f, id, version, change, withdrawn, reason, recordedAt: now, recordedBy: actor };
    }).immediate();
    this.onChange(f.customer);
    if (before !== undefined && before !== (f.customer ?? null)) this.onChange(before ?? undefined);
    return v;
  }
}
