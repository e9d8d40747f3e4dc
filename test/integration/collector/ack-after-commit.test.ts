/**
 * An ack promises a commit, in a running collector: real WebSocket, the agent
 * protocol, the SQLite store with its ingest journal — on a small tmpfs that
 * the test fills up, so the journal's commit really fails (SQLITE_FULL).
 * A batch whose commit failed is not acked; the same batch sent again once the
 * disk has room is; and every ack the agent sees names seqs the store files
 * already hold when the ack arrives. Needs root (mount).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { storeValue } from '../../support/store-sql.ts';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => portEvent(from + i, (from + i) % 2 ? 'down' : 'up', T0 + (from + i) * 1000));

let disk: Tmpfs;
let c: CollectorHandle;
let agent: TestAgent;

/** The highest seq of the agent that the store's files hold: the ingest journal or, once projected, the store. */
function durableSeq(database: string): number {
  const journalled = storeValue<number>(`${database}.ingest`, `SELECT coalesce(max(committed), 0) FROM ingest_journal WHERE agent_id = 'rack-a1'`);
  const projected = storeValue<number | undefined>(database, `SELECT committed_seq FROM agents WHERE id = 'rack-a1'`) ?? 0;
  return Math.max(journalled, projected);
}

beforeEach(async () => {
  disk = await mountTmpfs(8 * 1024 * 1024);
  c = await collector(disk.dir);
  agent = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
  await agent.hello('rack-a1');
});
afterEach(async () => {
  agent.close();
  await disk.free();
  await c.close();
  await disk.unmount();
});

describe('acks in a running collector whose store commit fails', () => {
  it('acks no batch whose commit failed, and acks it once a later commit succeeds', async () => {
    // Every ack, checked the moment it arrives: the seqs it names are in the store's files already.
    const early: string[] = [];
    const watch = (a: TestAgent) => a.ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string; seq?: number };
      if (f.type !== 'ack') return;
      const held = durableSeq(c.config.database);
      if (held < f.seq!) early.push(`ack ${f.seq} arrived while the store held seqs up to ${held}`);
    });
    watch(agent);

    expect((await agent.events(batch(1, 20))).seq).toBe(20);
    await c.settled();

    // The commit fails: no ack, and the session is closed so the agent backs off and resends.
    await disk.fill();
    agent.send({ type: 'events', v: 1, batch: batch(21, 200) });
    expect(await agent.whenClosed(10_000)).toEqual({ code: 1011, reason: 'commit failed; reconnect later and resend' });
    expect(agent.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq)).toEqual([20]);
    expect(durableSeq(c.config.database)).toBe(20);

    // Room again: the agent reconnects and resends what was not acked, and this commit succeeds.
    await disk.free();
    agent = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    watch(agent);
    expect((await agent.hello('rack-a1')).committedSeq).toBe(20);
    expect((await agent.events(batch(21, 200), 220)).seq).toBe(220);
    expect(early).toEqual([]);
    const seqs = (await rows(c, `SELECT seq FROM observations WHERE agent_id = 'rack-a1' ORDER BY seq`)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
  });
});
