#!/usr/bin/env node
/**
 * What each index of `observations` costs SQLite alone, on the ingest
 * benchmark's stream (50 agents × 192 ports, every event a change, evidence
 * JSON), at synchronous=FULL in WAL, in transactions of BATCH rows, as the
 * table grows to ROWS. Used to find where the store writer's time goes
 * (docs/benchmarks.md, "Frame journal"). No collector code: the schema
 * is inlined so variants can differ from migration to migration.
 *
 *   node bench/tools/index-cost.mjs [ROWS=600000] [BATCH=1000]
 *
 * Variants: `shipped` (unique (agent_id, seq) + (subject, at)), `no-unique`,
 * `no-subject-index` (the table and its rowid only), `integer-keys` (subject
 * and agent as integers, both indexes), `integer subject only`, and
 * `shipped, checkpoint 10000`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = Number(process.argv[2] ?? 600_000);
const BATCH = Number(process.argv[3] ?? 1000);
const TABLE = (subject, agent) => `CREATE TABLE o (id INTEGER PRIMARY KEY, ${subject}, kind TEXT NOT NULL CHECK (kind IN ('port','power')),
  state TEXT NOT NULL, at INTEGER NOT NULL, via TEXT NOT NULL, ${agent}, seq INTEGER, received_at INTEGER NOT NULL, evidence TEXT) STRICT;`;
const TEXT = TABLE('subject TEXT NOT NULL', 'agent_id TEXT');
const INTS = TABLE('subject INTEGER NOT NULL', 'agent_id INTEGER');
const INT_SUBJECT = TABLE('subject INTEGER NOT NULL', 'agent_id TEXT');
const UNIQUE = 'CREATE UNIQUE INDEX a ON o(agent_id, seq) WHERE seq IS NOT NULL;';
const SUBJECT = 'CREATE INDEX b ON o(subject, at);';
const VARIANTS = [
  { name: 'shipped', schema: TEXT + UNIQUE + SUBJECT },
  { name: 'no-unique', schema: TEXT + SUBJECT },
  { name: 'no-subject-index', schema: TEXT + UNIQUE },
  { name: 'integer-keys', schema: INTS + UNIQUE + SUBJECT, ints: true },
  { name: 'integer subject only', schema: INT_SUBJECT + UNIQUE + SUBJECT, intSubject: true },
  { name: 'shipped, checkpoint 10000', schema: TEXT + UNIQUE + SUBJECT, checkpoint: 10_000 },
];

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-index-cost-'));
console.log(`${ROWS.toLocaleString('en-US')} rows, ${BATCH} per transaction, synchronous=FULL, WAL`);
console.log('variant                        rows/s   CPU µs/row  of which system');
try {
  for (const v of VARIANTS) {
    const db = new Database(join(dir, `${v.name.replace(/\W+/g, '-')}.sqlite`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (v.checkpoint) db.pragma(`wal_autocheckpoint = ${v.checkpoint}`);
    db.exec(v.schema);
    const ins = db.prepare(`INSERT INTO o (subject, kind, state, at, via, agent_id, seq, received_at, evidence)
      VALUES ${new Array(100).fill('(?,?,?,?,?,?,?,?,?)').join(',')} ON CONFLICT DO NOTHING`);
    const seqs = new Array(50).fill(0);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let n = 0; n < ROWS; n += BATCH) {
      db.transaction(() => {
        for (let c = 0; c < BATCH; c += 100) {
          const agent = Math.floor((n + c) / 100) % 50; // frames of 100 events, agents in turn
          const p = [];
          for (let k = 0; k < 100; k++) {
            const s = ++seqs[agent];
            const i = (s - 1) % 192;
            p.push(v.ints || v.intSubject ? agent * 192 + i : `r${agent}-sw${Math.floor(i / 48) + 1}/ge-0/0/${i % 48}`, 'port', s % 2 ? 'down' : 'up',
              1_780_000_000_000 + s * 1000, 'lastchange', v.ints ? agent : `bench-agent-${String(agent).padStart(3, '0')}`, s, Date.now(),
              JSON.stringify({ ifIndex: 500 + (i % 48), ifOperStatus: s % 2 ? 2 : 1, ifAdminStatus: 1, ifLastChange: s * 100 }));
          }
          ins.run(p);
        }
      })();
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    db.close();
    console.log(`${v.name.padEnd(28)} ${Math.round(ROWS / s).toLocaleString('en-US').padStart(8)}   ${((c.user + c.system) / ROWS).toFixed(1).padStart(10)}  ${(c.system / ROWS).toFixed(1).padStart(15)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
