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
import type { CustomerConfig } from '../config.ts';
import { stableJson } from '../lib/stable-json.ts';
import type { AuditEntry, CustomerVersion, LedgerStore } from '../store/types.ts';
import { auditEntry } from './audit.ts';

export type { CustomerVersion } from '../store/types.ts';

/** [start, end) during which `version` was in force; end is Infinity while current. */
export interface Tenure { start: number; end: number; version: CustomerVersion }

/** The segments in force, from versions in the order they were recorded. */
export function tenures(versions: readonly CustomerVersion[]): Tenure[] {
  let out: Tenure[] = [];
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    out = out.filter((t) => t.start < v.validFrom).map((t) => ({ ...t, end: Math.min(t.end, v.validFrom) }));
    out.push({ start: v.validFrom, end: Infinity, version: v });
  }
  return out;
}

/**
 * Every customer's versions, read once at start and kept in memory (the API
 * and the metrics ask for them at every request); appends go to the store
 * first, as the version after the latest held here.
 */
export class Customers {
  private readonly cache = new Map<string, CustomerVersion[]>();

  private constructor(private readonly store: LedgerStore, private readonly onChange: (id: string) => void) {}

  static async load(store: LedgerStore, onChange: (id: string) => void): Promise<Customers> {
    const c = new Customers(store, onChange);
    for (const v of await store.customerVersions()) c.push(v);
    return c;
  }

  /** Reads every version again (another collector appended some); the cache is swapped in one step. */
  async reload(): Promise<void> {
    const all = await this.store.customerVersions();
    this.cache.clear();
    this.sortedIds = undefined;
    for (const v of all) this.push(v);
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

  /** Appends a version; the caller has validated the spec. E.CONFLICT if another writer appended first. */
  async put(spec: CustomerConfig, validFrom: number, source: 'config' | 'api', actor: string, now: number): Promise<CustomerVersion> {
    const e = this.next(spec, validFrom, source, actor, now);
    await this.store.appendCustomerVersions([e]);
    this.push(e.version);
    this.onChange(spec.id);
    return e.version;
  }

  /** Appends several versions in one transaction: all of them or none (a CSV import). */
  async putMany(changes: readonly { spec: CustomerConfig; validFrom: number }[], source: 'config' | 'api', actor: string, now: number): Promise<CustomerVersion[]> {
    const entries = changes.map((c) => this.next(c.spec, c.validFrom, source, actor, now));
    if (entries.length > 0) await this.store.appendCustomerVersions(entries);
    for (const e of entries) { this.push(e.version); this.onChange(e.version.customer); }
    return entries.map((e) => e.version);
  }

  /** Brings the store in line with the config at start (see the header). Returns the ids that changed. */
  async syncConfig(customers: readonly CustomerConfig[], now: number): Promise<string[]> {
    const entries = customers.flatMap((c) => {
      const lastFromConfig = [...this.history(c.id)].reverse().find((v) => v.source === 'config');
      if (lastFromConfig && stableJson(lastFromConfig.spec) === stableJson(c)) return [];
      return [this.next(c, this.has(c.id) ? now : 0, 'config', 'config', now)];
    });
    // One transaction for the whole sync: one fsync, not one per customer.
    if (entries.length > 0) await this.store.appendCustomerVersions(entries);
    for (const e of entries) { this.push(e.version); this.onChange(e.version.customer); }
    return entries.map((e) => e.version.customer);
  }

  private next(spec: CustomerConfig, validFrom: number, source: 'config' | 'api', actor: string, now: number): { version: CustomerVersion; audit: AuditEntry } {
    const version = (this.latest(spec.id)?.version ?? 0) + 1;
    return {
      version: { customer: spec.id, version, validFrom, spec, source, recordedAt: now, recordedBy: actor },
      audit: auditEntry(now, actor, version === 1 ? 'create' : 'new_version', 'customer', spec.id, version, { validFrom: formatInstant(validFrom), source }),
    };
  }
}
