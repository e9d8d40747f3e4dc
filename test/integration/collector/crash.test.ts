import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { startCollector } from '../../../collector/src/server.ts';
import { buildConfig } from '../../../collector/src/config.ts';
import { silentLogger } from '../../../collector/src/log.ts';
import { sleep } from '../../support/wait.ts';
import { storeValue } from '../../support/store-sql.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);

describe('the collector killed the moment a batch is durable', () => {
  it('keeps every seq it acked, and loses and doubles nothing when the agent resends after restart', async () => {
    const tmp = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), tmp.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(child.stdout!, 'data');
      const port = Number(String(line).trim());
      const a = await TestAgent.connect(`ws://127.0.0.1:${port}/agent`, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      const batch = Array.from({ length: 50 }, (_, i) => portEvent(i + 1, i % 2 ? 'down' : 'up', T0 + i * 1000));
      // kill -9 as soon as the agent holds an ack or the ingest journal holds the batch (read
      // from outside), whichever it sees first: the ack and the kill race, as in a real crash.
      const acked = () => Math.max(0, ...a.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq));
      const journal = join(tmp.dir, 'dcprobe.sqlite.ingest');
      a.send({ type: 'events', v: 1, batch });
      for (let i = 0; i < 2000 && acked() === 0; i++) {
        if (existsSync(journal) && storeValue<number>(journal, `SELECT coalesce(max(committed), 0) FROM ingest_journal WHERE agent_id = 'rack-a1'`) === 50) break;
        await sleep(1);
      }
      const ackedBeforeKill = acked();
      child.kill('SIGKILL');
      await once(child, 'exit');
      await a.whenClosed();

      const c = await collector(tmp.dir);
      try {
        const b = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
        // Whatever was acked before the kill is committed: the restarted collector says so.
        const { committedSeq } = await b.hello('rack-a1');
        expect(committedSeq).toBe(50);
        expect(committedSeq).toBeGreaterThanOrEqual(ackedBeforeKill);
        // An agent that never saw the ack resends everything, plus what came next.
        expect((await b.events([...batch, portEvent(51, 'up', T0 + 51_000)])).seq).toBe(51);
        await c.settled();
        const seqs = (await rows(c, 'SELECT seq FROM observations ORDER BY seq')).map((r) => r.seq);
        expect(seqs).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
        b.close();
      } finally { await c.close(); }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      tmp.cleanup();
    }
  });
});

describe('a store that cannot be opened', () => {
  it('stops the collector with a message naming the file and the reason', async () => {
    const tmp = tempDir();
    try {
      const { writeFileSync } = await import('node:fs');
      const file = join(tmp.dir, 'not-a-db.sqlite');
      writeFileSync(file, 'this is not an SQLite database, it is a text file of some length to fill a header');
      const cfg = buildConfig({ listen: '127.0.0.1:0', database: file, logLevel: 'silent' });
      await expect(startCollector(cfg, { log: silentLogger, processMetrics: false })).rejects.toThrow(`cannot open store ${file}: file is not a database`);
    } finally { tmp.cleanup(); }
  });
});
