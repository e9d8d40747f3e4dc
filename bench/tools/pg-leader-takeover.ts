#!/usr/bin/env -S node --import tsx
/**
 * How long the collectors are without a leader when the leader's process is
 * killed (SIGKILL): a leader in a child process, a follower in this one, on
 * a private PostgreSQL cluster; from the kill to the follower leading. The
 * bound is the followers' retry interval (store/postgres/leader.ts).
 *
 *   node --import tsx bench/tools/pg-leader-takeover.ts [ROUNDS=10] [RETRY_MS=1000,250]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectPostgres, parseDatabase } from '../../collector/src/store/postgres/connect.ts';
import { electLeader } from '../../collector/src/store/postgres/leader.ts';
import { startCluster } from '../../test/support/postgres.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { percentile } from '../lib/measure.ts';

const CHILD = fileURLToPath(new URL('../../test/support/postgres-leader-child.ts', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 10);
const RETRIES = (process.argv[3] ?? '1000,250').split(',').map(Number);

async function round(url: string, retryMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, String(retryMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    await waitUntil('the child to lead', () => out.includes('"leader":true'), { timeoutMs: 30_000, intervalMs: 10 });
    const t = parseDatabase(url);
    if (t.kind !== 'postgres') throw new Error('not postgres');
    const db = await connectPostgres(t.target, { poolSize: 1 });
    const follower = electLeader(db, { retryMs });
    try {
      // Kill at a random point of the follower's retry cycle, not in step with it.
      await new Promise((r) => setTimeout(r, retryMs * (2 + Math.random())));
      if (follower.isLeader()) throw new Error('two leaders');
      const led = new Promise<number>((resolve) => follower.onChange((v) => { if (v) resolve(performance.now()); }));
      const t0 = performance.now();
      child.kill('SIGKILL');
      return (await led) - t0;
    } finally {
      await follower.stop();
      await db.close();
    }
  } finally {
    child.kill('SIGKILL');
  }
}

const cluster = await startCluster();
try {
  const url = await cluster.createDatabase('takeover');
  for (const retryMs of RETRIES) {
    const ms: number[] = [];
    for (let i = 0; i < ROUNDS; i++) ms.push(await round(url, retryMs));
    console.log(`retry ${retryMs} ms: takeover after SIGKILL of the leader, ${ROUNDS} rounds: p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`);
  }
} finally {
  await cluster.remove();
}
