/**
 * The outbox on real files that were damaged while it was closed: a corrupt
 * record costs that record (quarantined, counted, logged once, its seq
 * reported lost) and nothing around it; a truncated segment or a lost tail
 * never makes a seq be given twice; an outbox written before records carried
 * a checksum is still read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent, OutboxOptions } from '../../../agent/src/outbox.ts';

const ev = (i: number): OutboxEvent => ({ subject: `sw1/p${i}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll' });
const seqs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const all = (ob: Outbox) => ob.read(0, 1e9, 1e12);

let dir: string;
let logs: { level: number; msg: string }[];
let counts: { quarantined: number; lost: number };
function open(o: Partial<OutboxOptions> = {}): Promise<Outbox> {
  const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { logs.push(JSON.parse(String(c)) as { level: number; msg: string }); cb(); } }));
  return Outbox.open({
    dir, maxEvents: 10_000, warnAt: 0.9, log, segmentEvents: 10,
    onQuarantine: (n) => { counts.quarantined += n; }, onLost: (n) => { counts.lost += n; }, ...o,
  });
}
async function segFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith('seg-')).sort().map((f) => join(dir, f));
}
/** Replaces line `n` (0-based) of a segment file with `f(line)`. */
async function editLine(file: string, n: number, f: (line: string) => string): Promise<void> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines[n] = f(lines[n]!);
  await writeFile(file, lines.join('\n'));
}
async function quarantined(): Promise<{ seq: number | null; reason: string; file: string; bytes: string }[]> {
  const text = await readFile(join(dir, 'quarantine.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number | null; reason: string; file: string; bytes: string });
}
const errorLogs = (re: RegExp) => logs.filter((l) => l.level >= 50 && re.test(l.msg));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dcp-outbox-damage-'));
  logs = [];
  counts = { quarantined: 0, lost: 0 };
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function written(n: number, ackTo = 0): Promise<void> {
  const ob = await open();
  for (let i = 1; i <= n; i++) await ob.append([ev(i)]);
  if (ackTo) await ob.ack(ackTo);
  await ob.close();
}

describe('a corrupt record', () => {
  it('is quarantined, counted and logged once; its neighbours are kept; its seq is reported lost', async () => {
    await written(30);
    const [, second] = await segFiles(); // seqs 11..20
    const original = (await readFile(second!, 'utf8')).split('\n')[4]!; // seq 15
    await editLine(second!, 4, (l) => l.replace('"state":"down"', '"state":"dovn"')); // a bit flip: still JSON
    let ob = await open();
    expect(seqs(await all(ob))).toEqual(range(1, 30).filter((s) => s !== 15));
    const q = await quarantined();
    expect(q).toMatchObject([{ seq: 15, reason: 'checksum mismatch', file: 'seg-0000000000000011.jsonl' }]);
    expect(Buffer.from(q[0]!.bytes, 'base64').toString()).toBe(`${original.replace('"state":"down"', '"state":"dovn"')}\n`);
    expect(counts).toEqual({ quarantined: 1, lost: 1 });
    expect(errorLogs(/quarantine/)).toHaveLength(1);
    // The head moves over 15 once 14 is acked: firstSeq tells the collector, and a new hello is due.
    await ob.ack(14);
    expect([ob.firstSeq, ob.lossUnreported]).toEqual([16, true]);
    expect(ob.helloFirstSeq()).toBe(16);
    expect(ob.lossUnreported).toBe(false);
    await ob.close();
    // Logged, counted and copied once: opening again finds it already in quarantine.
    ob = await open();
    expect(await quarantined()).toHaveLength(1);
    expect(errorLogs(/quarantine/)).toHaveLength(1);
    expect(ob.firstSeq).toBe(16);
    await ob.close();
  });

  it('whose seq prefix is damaged costs only that seq, found from its neighbours', async () => {
    await written(30);
    const [, second] = await segFiles();
    await editLine(second!, 2, (l) => l.replace('{"seq":13,', '{"sxq":13,'));
    const ob = await open();
    expect(seqs(await all(ob))).toEqual(range(1, 30).filter((s) => s !== 13));
    expect(await quarantined()).toMatchObject([{ seq: null, reason: 'checksum mismatch' }]);
    await ob.ack(12);
    expect(ob.helloFirstSeq()).toBe(14);
    await ob.close();
  });

  it('that merges two records (a lost newline) costs those two, not the rest of the segment', async () => {
    await written(30);
    const [, second] = await segFiles();
    const lines = (await readFile(second!, 'utf8')).split('\n');
    lines.splice(3, 2, lines[3]! + lines[4]!); // 14 and 15 on one line
    await writeFile(second!, lines.join('\n'));
    const ob = await open();
    expect(seqs(await all(ob))).toEqual(range(1, 30).filter((s) => s !== 14 && s !== 15));
    expect(counts).toEqual({ quarantined: 1, lost: 2 });
    await ob.close();
  });

  it('found damaged only after start-up is quarantined when it is read, and its seq reported lost', async () => {
    await written(30);
    const ob = await open();
    const [first] = await segFiles();
    await editLine(first!, 6, (l) => l.replace('sw1/p7', 'sw1/q7'));
    expect(seqs(await all(ob))).toEqual(range(1, 30).filter((s) => s !== 7));
    expect(counts).toEqual({ quarantined: 1, lost: 1 });
    await ob.ack(6);
    expect(ob.helloFirstSeq()).toBe(8);
    await ob.close();
  });
});

describe('seqs are never given twice', () => {
  it('after a segment lost its tail: the high-water mark keeps the next seq, the cut seqs are reported lost', async () => {
    await written(30, 5);
    const segs = await segFiles();
    const last = segs.at(-1)!; // 21..30
    const keep = (await readFile(last, 'utf8')).split('\n').slice(0, 3).join('\n') + '\n'; // 21..23
    await truncate(last, Buffer.byteLength(keep));
    const ob = await open();
    expect(ob.lastSeq).toBe(30);
    expect(await ob.append([ev(31)])).toBe(31);
    expect(seqs(await all(ob))).toEqual([...range(6, 23), 31]);
    expect(counts.lost).toBe(7); // 24..30
    await ob.ack(23);
    expect(ob.helloFirstSeq()).toBe(31);
    await ob.close();
  });

  it('after the last segments are deleted outright', async () => {
    await written(30);
    for (const f of (await segFiles()).slice(1)) await rm(f);
    const ob = await open();
    expect(await ob.append([ev(31)])).toBe(31);
    expect(seqs(await all(ob))).toEqual([...range(1, 10), 31]);
    await ob.close();
  });

  it('when the collector already committed what a truncated segment lost, nothing is reported lost', async () => {
    await written(30);
    await truncate((await segFiles()).at(-1)!, 0);
    const ob = await open();
    await ob.ack(30); // the welcome: the collector has everything up to 30
    expect([ob.firstSeq, ob.lossUnreported]).toEqual([31, false]);
    await ob.close();
  });
});

describe('an outbox written before records carried a checksum', () => {
  /** Segments as the earlier format wrote them: bare JSON lines, no hwm file. */
  async function legacy(n: number, acked: number): Promise<void> {
    for (let first = 1; first <= n; first += 10) {
      const lines = range(first, Math.min(n, first + 9)).map((s) => `${JSON.stringify({ seq: s, ...ev(s) })}\n`);
      await writeFile(join(dir, `seg-${String(first).padStart(16, '0')}.jsonl`), lines.join(''));
    }
    await writeFile(join(dir, 'state.json'), JSON.stringify({ acked, dropped: 0 }));
  }

  it('is read whole, continues its seqs and writes new records with a checksum', async () => {
    await legacy(25, 3);
    const ob = await open();
    expect(seqs(await all(ob))).toEqual(range(4, 25));
    expect(await ob.append([ev(26)])).toBe(26);
    await ob.close();
    const newest = (await readFile((await segFiles()).at(-1)!, 'utf8')).trimEnd();
    expect(newest).toMatch(/^\{"seq":26,.*\}\t[0-9a-f]{8}$/);
    expect(counts).toEqual({ quarantined: 0, lost: 0 });
  });

  it('quarantines a legacy record that no longer parses, or whose seq digit changed, and keeps the rest', async () => {
    await legacy(25, 0);
    const [, second] = await segFiles();
    await editLine(second!, 1, (l) => l.slice(0, -5)); // 12: cut short
    await editLine(second!, 5, (l) => l.replace('{"seq":16,', '{"seq":76,')); // 16: a digit changed, still JSON
    const ob = await open();
    expect(seqs(await all(ob))).toEqual(range(1, 25).filter((s) => s !== 12 && s !== 16));
    expect((await quarantined()).map((r) => [r.seq, r.reason])).toEqual([[12, 'not JSON'], [76, 'seq out of order']]);
    await ob.close();
  });
});

describe('files and modes', () => {
  it('creates the directory 0700 and every file 0600, and tightens an existing directory', async () => {
    await written(12);
    await chmod(dir, 0o755); // as an earlier agent left it
    const [first] = await segFiles();
    await editLine(first!, 0, (l) => l.replace('sw1', 'sw2'));
    const ob = await open();
    await ob.ack(1);
    await ob.close();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['hwm', 'state.json', 'quarantine.jsonl']));
    for (const f of files) expect([f, (await stat(join(dir, f))).mode & 0o777]).toEqual([f, 0o600]);
  });
});
