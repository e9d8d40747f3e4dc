import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDb, type Db } from '../../../collector/src/store/sqlite/db.ts';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { openWriter, type Writer } from '../../../collector/src/store/sqlite/writer.ts';
import type { CommitItem } from '../../../collector/src/store/types.ts';
import { journalFile, openJournal } from '../../../collector/src/store/sqlite/journal.ts';
import { tempDir } from '../../support/temp.ts';

/** `count` port events of one agent from `first`, as the ingest queue hands them over (an array, or a whole frame). */
function item(agentId: string, first: number, count: number, committed = first + count - 1, rejects: CommitItem['rejects'] = [], asFrame = false): CommitItem {
  const events: Record<string, unknown>[] = [];
  for (let s = first; s < first + count; s++) {
    events.push({ seq: s, subject: `sw1/p${s % 48}`, kind: 'port', state: s % 2 ? 'down' : 'up', at: 1_700_000_000_000 + s, via: 'poll', ...(s % 3 ? {} : { evidence: { s } }) });
  }
  const text = asFrame ? JSON.stringify({ type: 'events', v: 1, batch: events }) : JSON.stringify(events);
  return { agentId, receivedAt: 1_700_000_100_000, events: text, count, rejects, committed };
}

const seqs = (db: Db, agent: string) => db.prepare('SELECT seq FROM observations WHERE agent_id = ? ORDER BY id').pluck().all(agent) as number[];
const committedSeq = (db: Db, agent: string) => db.prepare('SELECT committed_seq FROM agents WHERE id = ?').pluck().get(agent);
/** Rows left in the ingest journal: its own file beside the store, or attached in memory as `j`. */
function journal(db: Db, file: string): number {
  if (file === ':memory:') return db.prepare('SELECT count(*) FROM j.ingest_journal').pluck().get() as number;
  const jdb = openJournal(journalFile(file));
  try { return jdb.prepare('SELECT count(*) FROM ingest_journal').pluck().get() as number; } finally { jdb.close(); }
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

for (const where of ['thread', 'inline'] as const) {
  describe(`store writer (${where === 'thread' ? 'own thread, real file' : 'caller thread, in-memory store'})`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let db: Db;
    let w: Writer;
    let file: string;
    beforeEach(async () => {
      tmp = tempDir();
      file = where === 'thread' ? join(tmp.dir, 'w.sqlite') : ':memory:';
      db = openDb(file);
      w = await openWriter(db, file, { synchronous: 'FULL' });
    });
    afterEach(async () => { await w.close(); db.close(); tmp.cleanup(); });

    it('commits every item of a job in one transaction; once settled every event is in observations and the journal is empty', async () => {
      await w.commit({ items: [item('a', 1, 250), item('b', 1, 3, 4, [[4, 'batch[3]: bad', '{"seq":4}']], true)] });
      await w.settled();
      expect(w.stats()).toEqual({ pending: 0, duplicate: 0, quarantined: 0 });
      // The events, the rejects and the cursors all come through the journal.
      expect([committedSeq(db, 'a'), committedSeq(db, 'b')]).toEqual([250, 4]);
      expect(db.prepare('SELECT seq, reason FROM rejected_events').all()).toEqual([{ seq: 4, reason: 'batch[3]: bad' }]);
      expect(seqs(db, 'a')).toEqual(range(1, 250));
      expect(seqs(db, 'b')).toEqual([1, 2, 3]);
      await w.commit({ items: [item('a', 251, 1)] }); // carries the trim of what the store holds
      expect(journal(db, file)).toBeLessThanOrEqual(1);
      const ev = db.prepare('SELECT subject, kind, state, at, via, received_at, evidence FROM observations WHERE seq = 3 AND agent_id = ?').get('a');
      expect(ev).toEqual({ subject: 'sw1/p3', kind: 'port', state: 'down', at: 1_700_000_000_003, via: 'poll', received_at: 1_700_000_100_000, evidence: '{"s":3}' });
    });

    it('projects a resent event once and counts it; a lower cursor never moves the stored one back', async () => {
      await w.commit({ items: [item('a', 1, 150)] });
      // 40..260 spans the stored 40..150 (the ledger's cursors prevent this; the unique index is the second guard).
      await w.commit({ items: [item('a', 40, 221, 100)] });
      await w.settled();
      expect(seqs(db, 'a')).toEqual(range(1, 260));
      expect(w.stats().duplicate).toBe(111);
      expect(committedSeq(db, 'a')).toBe(150);
    });

    it('runs jobs in the order they were posted', async () => {
      await Promise.all(range(0, 19).map((k) => w.commit({ items: [item('a', k * 10 + 1, 10)] })));
      await w.settled();
      expect(committedSeq(db, 'a')).toBe(200);
      expect(seqs(db, 'a')).toEqual(range(1, 200));
    });

    it('rolls a job that cannot be journalled back whole, says why, and goes on with the next', async () => {
      const bad = { ...item('a', 11, 5), committed: 'fifteen' as unknown as number }; // not an integer
      await expect(w.commit({ items: [item('a', 1, 10), bad] })).rejects.toThrow(/cannot store TEXT value in INTEGER column ingest_journal.committed/);
      expect(journal(db, file)).toBe(0);
      await w.commit({ items: [item('a', 1, 10)] });
      await w.settled();
      expect(seqs(db, 'a')).toEqual(range(1, 10));
    });

    it('quarantines only the rows the table refuses when projecting, with the reason, and stores the rest', async () => {
      const odd = item('a', 1, 5);
      odd.events = odd.events.replace('"kind":"port"', '"kind":"fridge"'); // seq 1: outside the CHECK constraint
      await w.commit({ items: [odd, item('b', 1, 3)] });
      await w.settled();
      expect(seqs(db, 'a')).toEqual([2, 3, 4, 5]);
      expect(seqs(db, 'b')).toEqual([1, 2, 3]);
      const q = db.prepare('SELECT agent_id, seq, reason, raw FROM rejected_events').get() as { agent_id: string; seq: number; reason: string; raw: string };
      expect(q).toMatchObject({ agent_id: 'a', seq: 1 });
      expect(q.reason).toMatch(/^refused by the store: CHECK constraint failed/);
      expect(JSON.parse(q.raw)).toMatchObject({ seq: 1, kind: 'fridge', subject: 'sw1/p1' });
      expect(w.stats().quarantined).toBe(1);
    });

    it('lets the main connection write while a large job commits and projects (BEGIN IMMEDIATE waits instead of failing)', async () => {
      const big = w.commit({ items: range(0, 49).map((k) => item(`agent-${k}`, 1, 1000)) });
      const writes = range(1, 20).map((k) => db.transaction(() => {
        const n = db.prepare('SELECT count(*) FROM agent_gaps').pluck().get() as number;
        db.prepare(`INSERT INTO agent_gaps (agent_id, start, reason) VALUES (?, ?, 'silent')`).run(`x${n}`, k);
      }).immediate());
      expect(writes).toHaveLength(20);
      await big;
      await w.settled();
      expect(db.prepare('SELECT count(*) FROM observations').pluck().get()).toBe(50_000);
      expect(db.prepare('SELECT count(DISTINCT agent_id) FROM agent_gaps').pluck().get()).toBe(20);
    });
  });
}

describe('store writer thread and its journal', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let db: Db;
  beforeEach(() => {
    tmp = tempDir();
    file = join(tmp.dir, 'w.sqlite');
    db = openDb(file);
  });
  afterEach(() => { db.close(); tmp.cleanup(); });

  it('finishes the commit in flight when closed, projects the journal, then refuses new ones', async () => {
    const w = await openWriter(db, file, { synchronous: 'FULL', holdProjection: true });
    const big = w.commit({ items: range(0, 9).map((k) => item(`agent-${k}`, 1, 1000)) });
    await w.close();
    await big;
    expect(db.prepare('SELECT count(*) FROM observations').pluck().get()).toBe(10_000);
    await expect(w.commit({ items: [item('a', 1, 1)] })).rejects.toThrow(/closed/);
  });

  it('projects at open what a previous run journalled but did not project (a crash between ack and projection)', async () => {
    const jdb = openJournal(journalFile(file));
    const put = jdb.prepare('INSERT INTO ingest_journal (agent_id, received_at, count, events, committed) VALUES (?, ?, ?, ?, ?)');
    for (const k of range(0, 3)) { const it = item('a', k * 100 + 1, 100, undefined, [], k % 2 === 0); put.run(it.agentId, it.receivedAt, it.count, it.events, it.committed); }
    jdb.close();
    const w = await openWriter(db, file, { synchronous: 'FULL' });
    try {
      expect(w.stats().pending).toBe(0);
      expect(seqs(db, 'a')).toEqual(range(1, 400));
      expect(committedSeq(db, 'a')).toBe(400);
      // Projected once: a second open finds nothing new past the store's mark.
      await w.close();
      const again = await openWriter(db, file, { synchronous: 'FULL' });
      await again.close();
      expect(seqs(db, 'a')).toEqual(range(1, 400));
    } finally {
      await w.close();
    }
  });

  it('keeps the journal bounded: past maxPending a commit first waits for the projection', async () => {
    const w = await openWriter(db, file, { synchronous: 'FULL', maxPending: 2000 });
    try {
      const seen: number[] = [];
      // Ten jobs posted at once, ten 100-event frames each: back to back on the thread.
      await Promise.all(range(0, 9).map((j) => w.commit({ items: range(0, 9).map((f) => item('a', j * 1000 + f * 100 + 1, 100)) })
        .then(() => { seen.push(w.stats().pending); })));
      expect(Math.max(...seen)).toBeLessThanOrEqual(3000); // the bound plus one job
      await w.settled();
      expect(seqs(db, 'a')).toEqual(range(1, 10_000));
    } finally {
      await w.close();
    }
  });

  it('fails to open, naming the file, when the thread cannot open the store', async () => {
    // A directory is not a database file: the projector's open fails. Its journal lands beside it, inside the temp dir.
    const notAFile = join(tmp.dir, 'store');
    mkdirSync(notAFile);
    await expect(openWriter(db, notAFile, { synchronous: 'FULL' })).rejects.toThrow(new RegExp(`store projector for ${notAFile} stopped`));
    // Both threads have exited by then: the directory can be removed at once, with no retry.
    rmSync(tmp.dir, { recursive: true });
    mkdirSync(tmp.dir);
  });
});
