/**
 * Exactly-once, counted from outside: what each agent produced (seqs 1..N, from its own
 * outbox or log) against the (agent, seq) pairs in the collector's store, read from the
 * SQLite file with the collector stopped, or from PostgreSQL. Quarantined events count as stored
 * (docs/protocol.md: their seq is delivered). Rows the collector writes itself (gaps,
 * resyncs) carry no seq and are not events of an agent.
 *
 * A seq the agent numbered but was killed before saving is not an event it produced: the
 * agent's high-water mark keeps it from being reused, and the next hello announces it as
 * never saved (an `events_lost` gap in the store). Those are counted apart as `unsaved`,
 * never as lost, and printed, so the log shows how many the kills cost.
 */
import Database from 'better-sqlite3';
import { expect } from 'vitest';

export interface Delivery {
  agent: string;
  produced: number;
  /** Produced seqs found in the store (once or more). */
  stored: number;
  /** Produced seqs not in the store. */
  lost: number;
  /** Extra copies of stored seqs. */
  doubled: number;
  /** Seqs in the store this agent never produced. */
  unexpected: number;
  /** Seqs numbered but never saved, as the agent announced at its next hello. */
  unsaved: number;
  firstLost: number[];
}

/** agent id → seqs it announced as numbered but never saved. */
export function readUnsaved(database: string): Map<string, Set<number>> {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT agent_id AS agent, lost_from_seq AS f, lost_to_seq AS t FROM agent_gaps WHERE reason = 'events_lost'")
      .all() as { agent: string; f: number; t: number }[];
    const out = new Map<string, Set<number>>();
    for (const r of rows) {
      let s = out.get(r.agent);
      if (!s) out.set(r.agent, (s = new Set()));
      for (let q = r.f; q <= r.t && s.size < 100_000; q++) s.add(q);
    }
    return out;
  } finally {
    db.close();
  }
}

export function readStoreSeqs(database: string): Map<string, Map<number, number>> {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`
      SELECT agent_id AS agent, seq, COUNT(*) AS n FROM (
        SELECT agent_id, seq FROM observations WHERE seq IS NOT NULL
        UNION ALL SELECT agent_id, seq FROM rejected_events WHERE seq IS NOT NULL
      ) GROUP BY agent_id, seq`).all() as { agent: string; seq: number; n: number }[];
    const out = new Map<string, Map<number, number>>();
    for (const r of rows) {
      let m = out.get(r.agent);
      if (!m) out.set(r.agent, (m = new Map()));
      m.set(r.seq, r.n);
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * The same count from a PostgreSQL store, through psql (test/support/postgres.ts
 * Cluster.psql), readable while collectors still run on it.
 */
export async function readPostgresSeqs(psql: (sql: string, db: string) => Promise<string>, db: string): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  const text = await psql(`SELECT agent_id, seq, count(*) FROM (SELECT agent_id, seq FROM observations WHERE seq IS NOT NULL
    UNION ALL SELECT agent_id, seq FROM rejected_events WHERE seq IS NOT NULL
    UNION ALL SELECT agent_id, seq FROM hidden_flaps WHERE seq IS NOT NULL) x GROUP BY agent_id, seq`, db);
  for (const line of text.split('\n').filter(Boolean)) {
    const [agent, seq, n] = line.split('|');
    let m = out.get(agent!);
    if (!m) out.set(agent!, (m = new Map()));
    m.set(Number(seq), Number(n));
  }
  return out;
}

/** produced: agent id → highest seq it wrote. */
export function compare(produced: ReadonlyMap<string, number>, store: Map<string, Map<number, number>>, unsaved: Map<string, Set<number>> = new Map()): Delivery[] {
  const out: Delivery[] = [];
  for (const [agent, n] of produced) {
    const seqs = store.get(agent) ?? new Map<number, number>();
    const never = unsaved.get(agent) ?? new Set<number>();
    const d: Delivery = { agent, produced: n, stored: 0, lost: 0, doubled: 0, unexpected: 0, unsaved: 0, firstLost: [] };
    for (let s = 1; s <= n; s++) {
      const k = seqs.get(s) ?? 0;
      if (k === 0 && never.has(s)) d.unsaved++;
      else if (k === 0) { d.lost++; if (d.firstLost.length < 10) d.firstLost.push(s); } else { d.stored++; d.doubled += k - 1; }
    }
    for (const s of seqs.keys()) if (s < 1 || s > n) d.unexpected++;
    out.push(d);
  }
  for (const agent of store.keys()) {
    if (!produced.has(agent)) out.push({ agent, produced: 0, stored: 0, lost: 0, doubled: 0, unexpected: store.get(agent)!.size, unsaved: 0, firstLost: [] });
  }
  return out;
}

export function totals(ds: readonly Delivery[]): Omit<Delivery, 'agent' | 'firstLost'> {
  const t = { produced: 0, stored: 0, lost: 0, doubled: 0, unexpected: 0, unsaved: 0 };
  for (const d of ds) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += d[k];
  return t;
}

/**
 * Prints the counts (CI's log shows them) and asserts exactly once: every produced
 * (agent, seq) stored, none twice, nothing from nowhere.
 */
export function reportAndCheck(scenario: string, produced: ReadonlyMap<string, number>, database: string | Map<string, Map<number, number>>, unsaved?: Map<string, Set<number>>): Delivery[] {
  const ds = compare(produced, typeof database === 'string' ? readStoreSeqs(database) : database, typeof database === 'string' ? readUnsaved(database) : unsaved);
  const t = totals(ds);
  console.log(`fault suite | ${scenario}: produced ${t.produced}, stored ${t.stored}, lost ${t.lost}, doubled ${t.doubled}`
    + `${t.unexpected ? `, unexpected ${t.unexpected}` : ''}, numbered but never saved ${t.unsaved} (${ds.length} agents)`);
  const bad = ds.filter((d) => d.lost || d.doubled || d.unexpected);
  expect(bad.map((d) => `${d.agent}: produced ${d.produced}, lost ${d.lost} (first ${d.firstLost.join(',')}), doubled ${d.doubled}, unexpected ${d.unexpected}`)).toEqual([]);
  expect(t.produced).toBeGreaterThan(0);
  return ds;
}
