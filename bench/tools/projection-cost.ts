#!/usr/bin/env -S node --import tsx
/**
 * What the projector costs per event, on the collector's own code: journal
 * EVENTS events of the bench's stream (50 agents, frames of 100), then time
 * the projector moving them into a fresh store in steps of PROJECT_EVENTS,
 * on this thread, with nothing else running. The figure behind the sustained
 * ingest rate (docs/benchmarks.md "Validation without zod, integer keys").
 *
 *   node --import tsx bench/tools/projection-cost.ts [EVENTS=300000] [RUNS=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../collector/src/store/sqlite/db.ts';
import { journalFile, journalWriter, openJournal, readJournal } from '../../collector/src/store/sqlite/journal.ts';
import { PROJECT_EVENTS, projector } from '../../collector/src/store/sqlite/projector.ts';
import { prepareStatements } from '../../collector/src/store/sqlite/rows.ts';
import type { CommitItem } from '../../collector/src/store/types.ts';
import { agentId, eventsFrame } from '../lib/events.ts';

const EVENTS = Number(process.argv[2] ?? 300_000);
const RUNS = Number(process.argv[3] ?? 3);
const AGENTS = 50;

function run(): { rate: number; cpuUs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'dcprobe-projection-cost-'));
  try {
    const file = join(dir, 'store.db');
    const db = openDb(file);
    const jdb = openJournal(journalFile(file));
    const jw = journalWriter(jdb);
    const seqs = new Array<number>(AGENTS).fill(0);
    for (let n = 0; n < EVENTS; n += 100 * AGENTS) {
      const items: CommitItem[] = [];
      for (let a = 0; a < AGENTS && n + a * 100 < EVENTS; a++) {
        const first = seqs[a]! + 1;
        seqs[a] = first + 99;
        items.push({ agentId: agentId(a), receivedAt: Date.now(), events: eventsFrame(a, first, 100), count: 100, rejects: [], committed: seqs[a]! });
      }
      jw.write({ items });
    }
    const pj = projector(db, prepareStatements(db), { db: readJournal(journalFile(file)), table: 'ingest_journal' });
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let moved = 0;
    for (let p = pj.step(PROJECT_EVENTS); p.events > 0; p = pj.step(PROJECT_EVENTS)) moved += p.events;
    db.pragma('wal_checkpoint(TRUNCATE)'); // the projector's checkpoints are part of its cost
    const c = process.cpuUsage(c0);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (moved !== EVENTS) throw new Error(`projected ${moved} of ${EVENTS}`);
    db.close();
    jdb.close();
    return { rate: EVENTS / s, cpuUs: (c.user + c.system) / EVENTS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`projection of ${EVENTS.toLocaleString('en-US')} journalled events, steps of ${PROJECT_EVENTS.toLocaleString('en-US')}, synchronous=FULL`);
console.log('run  events/s  CPU µs/event');
for (let r = 1; r <= RUNS; r++) {
  const { rate, cpuUs } = run();
  console.log(`${String(r).padStart(3)}  ${Math.round(rate).toLocaleString('en-US').padStart(8)}  ${cpuUs.toFixed(2).padStart(12)}`);
}
