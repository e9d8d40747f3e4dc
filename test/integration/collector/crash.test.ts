import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { startCollector } from '../../../collector/src/server.ts';
import { buildConfig } from '../../../collector/src/config.ts';
import { silentLogger } from '../../../collector/src/log.ts';
import { sleep } from '../../support/wait.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);

describe('the collector killed between commit and ack', () => {
  it('loses nothing and doubles nothing when the agent resends after restart', async () => {
    const tmp = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), tmp.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(child.stdout!, 'data');
      const port = Number(String(line).trim());
      const a = await TestAgent.connect(`ws://127.0.0.1:${port}/agent`, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      const batch = Array.from({ length: 50 }, (_, i) => portEvent(i + 1, i % 2 ? 'down' : 'up', T0 + i * 1000));
      a.send({ type: 'events', v: 1, batch });
      // Wait until the batch is durably committed (the agent's cursor, written in the
      // same transaction as the journal; read the SQLite file from outside), then kill -9.
      const db = new Database(join(tmp.dir, 'dcprobe.sqlite'), { readonly: true, fileMustExist: true });
      for (let i = 0; i < 200; i++) {
        const n = db.prepare(`SELECT committed_seq FROM agents WHERE id = 'rack-a1'`).pluck().get() as number | undefined;
        if (n === 50) break;
        await sleep(10);
      }
      db.close();
      expect(a.frames.filter((f) => f.type === 'ack')).toHaveLength(0);
      child.kill('SIGKILL');
      await once(child, 'exit');
      await a.whenClosed();

      const c = await collector(tmp.dir);
      try {
        const b = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
        expect((await b.hello('rack-a1')).committedSeq).toBe(50);
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
