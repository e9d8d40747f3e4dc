#!/usr/bin/env node
/**
 * What a frame journal costs SQLite alone, against inserting every event into
 * the indexed `observations` table before the ack (docs/benchmarks.md,
 * "Frame journal"). Same stream as index-cost.mjs (50 agents × 192 ports,
 * frames of 100 events with evidence), synchronous=FULL in WAL:
 *   - direct: each transaction inserts FRAMES frames' rows into the shipped schema;
 *   - journal: each transaction inserts FRAMES rows of one frame each (the
 *     frame's rows as JSON text), and later a projection moves PROJECT frames
 *     at a time into the shipped schema and deletes them from the journal.
 *
 *   node bench/tools/journal-cost.mjs [ROWS=400000] [FRAMES=10] [PROJECT=200]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = Number(process.argv[2] ?? 400_000);
const FRAMES = Number(process.argv[3] ?? 10);
const PROJECT = Number(process.argv[4] ?? 200);
const SCHEMA = `CREATE TABLE o (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('port','power')),
  state TEXT NOT NULL, at INTEGER NOT NULL, via TEXT NOT NULL, agent_id TEXT, seq INTEGER, received_at INTEGER NOT NULL, evidence TEXT) STRICT;
  CREATE UNIQUE INDEX a ON o(agent_id, seq) WHERE seq IS NOT NULL;
  CREATE INDEX b ON o(subject, at);
  CREATE TABLE j (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, received_at INTEGER NOT NULL, rows TEXT NOT NULL) STRICT;`;

const seqs = new Array(50).fill(0);
/** One frame of 100 events of agent `agent`, flat: subject, kind, state, at, via, seq, evidence. */
function frame(agent) {
  const rows = [];
  for (let k = 0; k < 100; k++) {
    const s = ++seqs[agent];
    const i = (s - 1) % 192;
    rows.push(`r${agent}-sw${Math.floor(i / 48) + 1}/ge-0/0/${i % 48}`, 'port', s % 2 ? 'down' : 'up', 1_780_000_000_000 + s * 1000, 'lastchange', s,
      JSON.stringify({ ifIndex: 500 + (i % 48), ifOperStatus: s % 2 ? 2 : 1, ifAdminStatus: 1, ifLastChange: s * 100 }));
  }
  return { agent: `bench-agent-${String(agent).padStart(3, '0')}`, rows };
}

function open(dir, name) {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  const ins = db.prepare(`INSERT INTO o (subject, kind, state, at, via, seq, evidence, agent_id, received_at)
    VALUES ${new Array(100).fill('(?,?,?,?,?,?,?,?,?)').join(',')} ON CONFLICT DO NOTHING`);
  const insertFrame = (f, receivedAt) => {
    const p = [];
    for (let r = 0; r < 100; r++) { for (let k = 0; k < 7; k++) p.push(f.rows[r * 7 + k]); p.push(f.agent, receivedAt); }
    ins.run(p);
  };
  return { db, insertFrame };
}

function timed(fn) {
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

const dir = mkdtempSync(join(tmpdir(), 'dcprobe-journal-cost-'));
const line = (name, t) => console.log(`${name.padEnd(40)} ${Math.round(ROWS / t.s).toLocaleString('en-US').padStart(9)} ${(t.cpu * 1e6 / ROWS).toFixed(1).padStart(11)}`);
console.log(`${ROWS.toLocaleString('en-US')} events in frames of 100, ${FRAMES} frames a transaction, projection ${PROJECT} frames a transaction`);
console.log('step                                      events/s  CPU µs/ev');
try {
  seqs.fill(0);
  const d = open(dir, 'direct.sqlite');
  line('direct: indexed rows before the ack', timed(() => {
    for (let n = 0; n < ROWS; n += 100 * FRAMES) d.db.transaction(() => { for (let f = 0; f < FRAMES; f++) d.insertFrame(frame(((n / 100) + f) % 50), Date.now()); })();
  }));
  d.db.close();

  seqs.fill(0);
  const j = open(dir, 'journal.sqlite');
  const put = j.db.prepare('INSERT INTO j (agent_id, received_at, rows) VALUES (?, ?, ?)');
  const ack = timed(() => {
    for (let n = 0; n < ROWS; n += 100 * FRAMES) j.db.transaction(() => { for (let f = 0; f < FRAMES; f++) { const fr = frame(((n / 100) + f) % 50); put.run(fr.agent, Date.now(), JSON.stringify(fr.rows)); } })();
  });
  line('journal: frames before the ack', ack);
  const take = j.db.prepare('SELECT id, agent_id, received_at, rows FROM j ORDER BY id LIMIT ?');
  const drop = j.db.prepare('DELETE FROM j WHERE id <= ?');
  const proj = timed(() => {
    for (;;) {
      const done = j.db.transaction(() => {
        const got = take.all(PROJECT);
        for (const r of got) j.insertFrame({ agent: r.agent_id, rows: JSON.parse(r.rows) }, r.received_at);
        if (got.length) drop.run(got[got.length - 1].id);
        return got.length === 0;
      }).immediate();
      if (done) break;
    }
  });
  line('journal: projection into indexed rows', proj);
  line('journal: both', { s: ack.s + proj.s, cpu: ack.cpu + proj.cpu });
  j.db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
