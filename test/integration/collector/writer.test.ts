import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDb, type Db } from '../../../collector/src/store/db.ts';
import { openWriter, ROW_WIDTH, type CommitItem, type Writer } from '../../../collector/src/ingest/writer.ts';
import { tempDir } from './harness.ts';

/** `count` port events of one agent from `first`, flat as the writer takes them. */
function item(agentId: string, first: number, count: number, committed?: number, rejects: CommitItem['rejects'] = []): CommitItem {
  const rows: unknown[] = [];
  for (let s = first; s < first + count; s++) rows.push(`sw1/p${s % 48}`, 'port', s % 2 ? 'down' : 'up', 1_700_000_000_000 + s, 'poll', s, s % 3 ? null : JSON.stringify({ s }));
  return { agentId, receivedAt: 1_700_000_100_000, rows, rejects, ...(committed === undefined ? {} : { committed }) };
}

const seqs = (db: Db, agent: string) => db.prepare('SELECT seq FROM observations WHERE agent_id = ? ORDER BY id').pluck().all(agent) as number[];
const committedSeq = (db: Db, agent: string) => db.prepare('SELECT committed_seq FROM agents WHERE id = ?').pluck().get(agent);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

for (const where of ['thread', 'inline'] as const) {
  describe(`store writer (${where === 'thread' ? 'own thread, real file' : 'caller thread, in-memory store'})`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let db: Db;
    let w: Writer;
    beforeEach(async () => {
      tmp = tempDir();
      const file = where === 'thread' ? join(tmp.dir, 'w.sqlite') : ':memory:';
      db = openDb(file);
      w = await openWriter(db, file, 'FULL');
    });
    afterEach(async () => { await w.close(); db.close(); tmp.cleanup(); });

    it('commits every item of a job in one transaction, visible to the main connection', async () => {
      expect(await w.commit({ items: [item('a', 1, 250, 250), item('b', 1, 3, 4, [[4, 'batch[3]: bad', '{"seq":4}']])] })).toEqual([true, true]);
      expect(seqs(db, 'a')).toEqual(range(1, 250));
      expect(seqs(db, 'b')).toEqual([1, 2, 3]);
      expect(db.prepare('SELECT seq, reason FROM rejected_events').all()).toEqual([{ seq: 4, reason: 'batch[3]: bad' }]);
      expect([committedSeq(db, 'a'), committedSeq(db, 'b')]).toEqual([250, 4]);
      const ev = db.prepare('SELECT subject, kind, state, at, via, received_at, evidence FROM observations WHERE seq = 3 AND agent_id = ?').get('a');
      expect(ev).toEqual({ subject: 'sw1/p3', kind: 'port', state: 'down', at: 1_700_000_000_003, via: 'poll', received_at: 1_700_000_100_000, evidence: '{"s":3}' });
    });

    it('stores a resent event once and names the seqs that were new; a lower cursor never moves the stored one back', async () => {
      await w.commit({ items: [item('a', 1, 150, 150)] });
      // 140..260 spans the stored 140..150 in the middle of the second 100-row chunk.
      const [r] = await w.commit({ items: [item('a', 40, 221, 100)] });
      expect(r).toEqual(range(151, 260));
      expect(seqs(db, 'a')).toEqual(range(1, 260));
      expect(committedSeq(db, 'a')).toBe(150);
    });

    it('runs jobs in the order they were posted', async () => {
      const results = await Promise.all(range(0, 19).map((k) => w.commit({ items: [item('a', k * 10 + 1, 10, k * 10 + 10)] })));
      expect(results.flat()).toEqual(new Array(20).fill(true));
      expect(seqs(db, 'a')).toEqual(range(1, 200));
      expect(committedSeq(db, 'a')).toBe(200);
    });

    it('rolls a failed job back whole, says why, and goes on with the next', async () => {
      const bad = item('a', 11, 5, 15);
      bad.rows[ROW_WIDTH * 2 + 1] = 'fridge'; // kind outside the CHECK constraint
      await expect(w.commit({ items: [item('a', 1, 10, 10), bad] })).rejects.toThrow(/CHECK constraint failed/);
      expect(seqs(db, 'a')).toEqual([]);
      expect(await w.commit({ items: [item('a', 1, 10, 10)] })).toEqual([true]);
      expect(seqs(db, 'a')).toEqual(range(1, 10));
    });

    it('lets the main connection write while a large job commits (BEGIN IMMEDIATE waits instead of failing)', async () => {
      const big = w.commit({ items: range(0, 49).map((k) => item(`agent-${k}`, 1, 1000, 1000)) });
      const writes = range(1, 20).map((k) => db.transaction(() => {
        const n = db.prepare('SELECT count(*) FROM agent_gaps').pluck().get() as number;
        db.prepare(`INSERT INTO agent_gaps (agent_id, start, reason) VALUES (?, ?, 'silent')`).run(`x${n}`, k);
      }).immediate());
      expect(writes).toHaveLength(20);
      expect(await big).toEqual(new Array(50).fill(true));
      expect(db.prepare('SELECT count(*) FROM observations').pluck().get()).toBe(50_000);
      expect(db.prepare('SELECT count(DISTINCT agent_id) FROM agent_gaps').pluck().get()).toBe(20);
    });
  });
}

describe('store writer thread lifecycle', () => {
  it('finishes the commit in flight when closed, then refuses new ones', async () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'w.sqlite');
    const db = openDb(file);
    try {
      const w = await openWriter(db, file, 'FULL');
      const big = w.commit({ items: range(0, 9).map((k) => item(`agent-${k}`, 1, 1000, 1000)) });
      await w.close();
      expect(await big).toEqual(new Array(10).fill(true));
      expect(db.prepare('SELECT count(*) FROM observations').pluck().get()).toBe(10_000);
      await expect(w.commit({ items: [item('a', 1, 1)] })).rejects.toThrow(/closed/);
    } finally {
      db.close();
      tmp.cleanup();
    }
  });


  it('fails to open, naming the file, when the thread cannot open the store', async () => {
    const tmp = tempDir();
    const db = openDb(join(tmp.dir, 'ok.sqlite'));
    try {
      // A directory is not a database file: the thread's open fails.
      await expect(openWriter(db, tmp.dir, 'FULL')).rejects.toThrow(new RegExp(`store writer for ${tmp.dir} stopped`));
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});
