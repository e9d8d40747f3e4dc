/**
 * Customers and their services, kept as versions (append-only). A version is in
 * force from its `validFrom` until a later-recorded version's `validFrom` takes
 * over: a new version replaces everything from its validFrom on, so a backdated
 * correction supersedes what was recorded after it. This gives each customer a
 * list of tenure segments: which spec (ports, uplinks, feeds, terms) held when.
 *
 * Config sync: a customer first seen in config gets version 1 valid since the
 * beginning of time (the config states the current assignment, and the ports'
 * history before the first start belongs to it); a customer whose config entry
 * changed since the last config-sourced version gets a new version valid from
 * the sync. A change made through the API is not undone by a restart with the
 * unchanged config.
 */
import { formatInstant } from '@dcprobe/shared';
import type { Db } from '../store/sqlite/db.ts';
import type { CustomerConfig } from '../config.ts';
import type { Audit } from './audit.ts';

export interface CustomerVersion {
  customer: string;
  version: number;
  validFrom: number;
  spec: CustomerConfig;
  source: 'config' | 'api';
  recordedAt: number;
  recordedBy: string;
}

/** [start, end) during which `version` was in force; end is Infinity while current. */
export interface Tenure { start: number; end: number; version: CustomerVersion }

interface Row { customer: string; version: number; validFrom: number; spec: string; source: 'config' | 'api'; recordedAt: number; recordedBy: string }

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The segments in force, from versions in the order they were recorded. */
export function tenures(versions: readonly CustomerVersion[]): Tenure[] {
  let out: Tenure[] = [];
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    out = out.filter((t) => t.start < v.validFrom).map((t) => ({ ...t, end: Math.min(t.end, v.validFrom) }));
    out.push({ start: v.validFrom, end: Infinity, version: v });
  }
  return out;
}

export class CustomerStore {
  private readonly cache = new Map<string, CustomerVersion[]>();
  constructor(private readonly db: Db, private readonly audit: Audit, private readonly onChange: (id: string) => void) {
    const rows = db.prepare(`SELECT customer_id customer, version, valid_from validFrom, spec, source, recorded_at recordedAt, recorded_by recordedBy
      FROM customer_versions ORDER BY customer_id, version`).all() as Row[];
    for (const r of rows) this.push({ ...r, spec: JSON.parse(r.spec) as CustomerConfig });
  }

  private push(v: CustomerVersion): void {
    if (!this.cache.has(v.customer)) this.sortedIds = undefined;
    const l = this.cache.get(v.customer);
    if (l) l.push(v); else this.cache.set(v.customer, [v]);
  }

  private sortedIds: string[] | undefined;
  ids(): string[] { return (this.sortedIds ??= [...this.cache.keys()].sort()); }
  has(id: string): boolean { return this.cache.has(id); }
  history(id: string): readonly CustomerVersion[] { return this.cache.get(id) ?? []; }
  latest(id: string): CustomerVersion | undefined { const l = this.cache.get(id); return l?.[l.length - 1]; }
  tenures(id: string): Tenure[] { return tenures(this.history(id)); }

  /** Appends a version; the caller has validated the spec. */
  put(spec: CustomerConfig, validFrom: number, source: 'config' | 'api', actor: string, now: number): CustomerVersion {
    const version = (this.latest(spec.id)?.version ?? 0) + 1;
    const v: CustomerVersion = { customer: spec.id, version, validFrom, spec, source, recordedAt: now, recordedBy: actor };
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO customer_versions (customer_id, version, valid_from, spec, source, recorded_at, recorded_by)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(spec.id, version, validFrom, stableJson(spec), source, now, actor);
      this.audit.record(now, actor, version === 1 ? 'create' : 'new_version', 'customer', spec.id, version,
        { validFrom: formatInstant(validFrom), source });
    }).immediate();
    this.push(v);
    this.onChange(spec.id);
    return v;
  }

  /** Brings the store in line with the config at start (see the header). Returns the ids that changed. */
  syncConfig(customers: readonly CustomerConfig[], now: number): string[] {
    const changed: string[] = [];
    // One transaction for the whole sync: one fsync, not one per customer.
    this.db.transaction(() => {
      for (const c of customers) {
        const lastFromConfig = [...this.history(c.id)].reverse().find((v) => v.source === 'config');
        if (lastFromConfig && stableJson(lastFromConfig.spec) === stableJson(c)) continue;
        this.put(c, this.has(c.id) ? now : 0, 'config', 'config', now);
        changed.push(c.id);
      }
    }).immediate();
    return changed;
  }
}
