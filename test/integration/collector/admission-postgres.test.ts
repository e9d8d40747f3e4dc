/**
 * A subject's owner with several collectors on one PostgreSQL store: the
 * first agent whose event for it was committed, through whichever collector.
 * A collector that never heard of the subject refuses a second agent's
 * events for it all the same (foreign_subject, acked, kept as rejected
 * events), and of two agents reporting a new subject at the same moment
 * through two collectors exactly one gets it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent } from '../../support/collector-harness.ts';
import { databaseOf, usePostgresCluster } from '../../support/postgres.ts';
import { tempDir } from '../../support/temp.ts';

const cluster = usePostgresCluster();
const NOW = Date.now();
const P1 = 'sw1/ge-0/0/1';

describe('subject owners across collectors on PostgreSQL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const f of cleanups.splice(0).reverse()) await f(); });

  /** Two collectors on one new database. */
  async function two(name: string): Promise<{ db: string; c1: CollectorHandle; c2: CollectorHandle }> {
    const url = await cluster().createDatabase(name);
    const start = async () => {
      const tmp = tempDir();
      const c = await collector(tmp.dir, { database: url });
      cleanups.push(() => tmp.cleanup(), () => c.close());
      return c;
    };
    return { db: databaseOf(url), c1: await start(), c2: await start() };
  }
  async function agent(c: CollectorHandle, id: keyof typeof TOKENS): Promise<TestAgent> {
    const a = await TestAgent.connect(c.wsUrl, TOKENS[id]);
    cleanups.push(() => a.close());
    await a.hello(id);
    return a;
  }
  const sql = async (db: string, q: string) => (await cluster().psql(q, db)).trim().split('\n').filter(Boolean);
  const refused = async (c: CollectorHandle) => {
    const line = (await c.metricsText()).split('\n').find((l) => l.startsWith('dcprobe_collector_events_refused_total{reason="foreign_subject"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it("refuses, on a collector that never heard of the subject, another agent's events for it", async () => {
    const { db, c1, c2 } = await two('owners_moved');
    const a = await agent(c1, 'rack-a1');
    const b = await agent(c2, 'rack-b2');
    expect((await a.events([portEvent(1, 'up', NOW - 60_000)])).seq).toBe(1);
    const bad = b.next('error', (f) => f.code === 'BAD_EVENT');
    expect((await b.events([portEvent(1, 'down', NOW - 50_000), portEvent(2, 'up', NOW - 50_000, 'sw9/ge-0/0/1')])).seq).toBe(2);
    expect((await bad).message).toMatch(/^foreign_subject: /);
    expect(await sql(db, 'SELECT subject, agent_id, state FROM observations ORDER BY id')).toEqual([`${P1}|rack-a1|up`, 'sw9/ge-0/0/1|rack-b2|up']);
    expect(await sql(db, 'SELECT agent_id, seq FROM rejected_events')).toEqual(['rack-b2|1']);
    expect(await sql(db, 'SELECT subject, agent_id FROM subject_owners ORDER BY subject')).toEqual([`${P1}|rack-a1`, 'sw9/ge-0/0/1|rack-b2']);
    expect([await refused(c1), await refused(c2)]).toEqual([0, 1]);
    // Learnt: b2's next event for it is refused too.
    expect((await b.events([portEvent(3, 'up', NOW - 40_000)])).seq).toBe(3);
    expect(await refused(c2)).toBe(2);
  });

  it('gives a new subject reported through two collectors at once to exactly one agent', async () => {
    const { db, c1, c2 } = await two('owners_race');
    const a = await agent(c1, 'rack-a1');
    const b = await agent(c2, 'rack-b2');
    const subjects = Array.from({ length: 20 }, (_, i) => `sw5/ge-0/0/${i + 1}`);
    const [ra, rb] = await Promise.all([
      a.events(subjects.map((s, i) => portEvent(i + 1, 'up', NOW - 30_000, s))),
      b.events(subjects.map((s, i) => portEvent(i + 1, 'down', NOW - 30_000, s))),
    ]);
    expect([ra.seq, rb.seq]).toEqual([20, 20]);
    const owners = await sql(db, 'SELECT subject, agent_id FROM subject_owners ORDER BY subject');
    expect(owners).toHaveLength(20);
    // Every subject's observations are its owner's alone, and every event not stored is kept as rejected.
    expect(await sql(db, `SELECT count(*) FROM observations o JOIN subject_owners w USING (subject) WHERE o.agent_id <> w.agent_id`)).toEqual(['0']);
    expect(await sql(db, 'SELECT (SELECT count(*) FROM observations) + (SELECT count(*) FROM rejected_events)')).toEqual(['40']);
    expect(await refused(c1) + await refused(c2)).toBe(20);
  });
});
