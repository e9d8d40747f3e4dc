/**
 * Crash recovery with a real process: an appender killed with SIGKILL at a
 * random moment, three times over, on the same outbox directory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox } from '../../../agent/src/outbox.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';

let dir: string;
let tmp: TempDir;
beforeEach(() => { tmp = tempDir('dcp-crash-'); dir = tmp.dir; });
afterEach(() => { tmp.cleanup(); });

/** Runs the child until it has reported `atLeast` durable seqs, then SIGKILLs it; returns the seqs it reported. */
function runAndKill(atLeast: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./outbox-crash-child.ts', import.meta.url)), dir],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const seqs: number[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (/^\d+$/.test(l)) seqs.push(Number(l));
      if (seqs.length >= atLeast && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(seqs));
  });
}

describe('outbox crash recovery (SIGKILL mid-append)', () => {
  it('keeps every seq reported durable and never reuses one, across three kills', async () => {
    let highestReported = 0;
    const durable: number[] = []; // every seq a child reported durable, across the rounds
    for (let round = 0; round < 3; round++) {
      const reported = await runAndKill(600 + round * 200);
      expect(reported.length).toBeGreaterThan(0);
      expect(Math.min(...reported)).toBe(highestReported + 1); // continues after the last seq given: no reuse
      durable.push(...reported);
      const ob = await Outbox.open({ dir, maxEvents: 1_000_000, warnAt: 0.9, log: silentLogger, segmentEvents: 500 });
      const seqs = (await ob.read(0, 1e9, 1e12)).map((l) => (JSON.parse(l) as { seq: number }).seq);
      // Everything reported and not acked is there, in order, once. Seqs numbered for the writes in
      // flight at a kill may be missing (written or not): lost seqs, which the agent reports to the
      // collector once its acks reach them, and never gives again.
      const first = ob.firstSeq;
      const held = new Set(seqs);
      expect(durable.filter((q) => q >= first && !held.has(q))).toEqual([]);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(held.size).toBe(seqs.length);
      expect(seqs.every((q) => q >= first && q <= ob.lastSeq)).toBe(true);
      highestReported = ob.lastSeq;
      if (round === 1) await ob.ack(1000); // some acked between crashes: those segments go, seqs still continue
      await ob.close();
    }
    const ob = await Outbox.open({ dir, maxEvents: 1_000_000, warnAt: 0.9, log: silentLogger });
    expect(ob.firstSeq).toBe(1001);
    expect(await ob.append([{ subject: 'sw1/p1', kind: 'port', state: 'up', at: 1, via: 'poll' }])).toBe(highestReported + 1);
    await ob.close();
  });
});
