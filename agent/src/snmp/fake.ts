/**
 * A map-backed SnmpClient that records what was asked (snmp_exporter's fake).
 * Unit tests set `values` and read `asked`; `fail` makes every call throw.
 */
import type { SnmpClient, VarBind } from './types.ts';
import { isUnder } from './types.ts';
import { oidParts } from './types.ts';

export interface FakeSnmp extends SnmpClient {
  values: Map<string, VarBind>;
  /** Walks record their scalars too: `{ op: 'walk', oids, scalars }`. */
  asked: { op: 'get' | 'walk'; oids: string[]; scalars?: string[] }[];
  fail: Error | null;
  set(oid: string, type: number, value: VarBind['value']): void;
}

function cmpOid(a: string, b: string): number {
  const x = oidParts(a), y = oidParts(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function fakeSnmp(where = '192.0.2.10:161'): FakeSnmp {
  const fake: FakeSnmp = {
    where,
    values: new Map(),
    asked: [],
    fail: null,
    set(oid, type, value) { fake.values.set(oid, { oid, type, value }); },
    async get(oids) {
      fake.asked.push({ op: 'get', oids: [...oids] });
      if (fake.fail) throw fake.fail;
      return oids.map((oid) => fake.values.get(oid) ?? { oid, type: 128, value: null });
    },
    async walk(bases, opts = {}) {
      fake.asked.push({ op: 'walk', oids: [...bases], ...(opts.scalars?.length ? { scalars: [...opts.scalars] } : {}) });
      if (fake.fail) throw fake.fail;
      const all = [...fake.values.values()].sort((a, b) => cmpOid(a.oid, b.oid));
      const row = (b: string, oid: string) => Number(oid.replace(/^\./, '').slice(b.replace(/^\./, '').length + 1));
      const out = new Map(bases.map((b) => [b, all.filter((vb) => isUnder(b, vb.oid) && (opts.upTo === undefined || row(b, vb.oid) <= opts.upTo))]));
      for (const s of opts.scalars ?? []) {
        const next = all.find((vb) => cmpOid(vb.oid, s) > 0);
        out.set(s, next ? [next] : []);
      }
      opts.onFirstAnswer?.();
      return out;
    },
    close() {},
  };
  return fake;
}
