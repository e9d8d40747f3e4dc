import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent, OutboxOptions } from '../../../agent/src/outbox.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';

const ev = (i: number): OutboxEvent => ({ subject: `sw1/p${i}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll' });
const seqs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

let dir: string;
let tmp: TempDir;
const open = (o: Partial<OutboxOptions> = {}) => Outbox.open({ dir, maxEvents: 1000, warnAt: 0.8, log: silentLogger, ...o });
const all = (ob: Outbox) => ob.read(0, 1e9, 1e12);

beforeEach(() => { tmp = tempDir('dcp-outbox-'); dir = tmp.dir; });
afterEach(() => { tmp.cleanup(); });

describe('Outbox', () => {
  it('numbers events from 1 and reads them back as wire JSON lines', async () => {
    const ob = await open();
    expect(await ob.append([ev(1), ev(2)])).toBe(2);
    expect(await ob.append([ev(3)])).toBe(3);
    const lines = await all(ob);
    expect(JSON.parse(lines[0]!)).toEqual({ seq: 1, ...ev(1) });
    expect(seqs(lines)).toEqual([1, 2, 3]);
    expect(seqs(await ob.read(1, 1, 1e9))).toEqual([2]);
    expect([ob.firstSeq, ob.lastSeq, ob.held]).toEqual([1, 3, 3]);
    await ob.close();
  });

  it('recovers unacked events and the next seq after a restart', async () => {
    let ob = await open({ segmentEvents: 4 });
    for (let i = 1; i <= 10; i++) await ob.append([ev(i)]);
    await ob.ack(3);
    await ob.close();
    ob = await open({ segmentEvents: 4 });
    expect(seqs(await all(ob))).toEqual(range(4, 10));
    expect(ob.firstSeq).toBe(4);
    expect(await ob.append([ev(11)])).toBe(11);
    await ob.close();
  });

  it('cuts a torn last line (crash mid-write) and reuses no durable seq', async () => {
    let ob = await open();
    await ob.append([ev(1), ev(2), ev(3)]);
    await ob.close();
    const [seg] = (await readdir(dir)).filter((f) => f.startsWith('seg-'));
    await appendFile(join(dir, seg!), '{"seq":4,"subject":"sw1/p4","kind":"po');
    ob = await open();
    expect(seqs(await all(ob))).toEqual([1, 2, 3]);
    const text = await readFile(join(dir, seg!), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(3); // the torn fourth line is gone
    expect(await ob.append([ev(4)])).toBe(4);
    await ob.close();
  });

  it('drops a complete but garbled last line, e.g. zero-filled after a power cut', async () => {
    let ob = await open();
    await ob.append([ev(1), ev(2)]);
    await ob.close();
    const [seg] = (await readdir(dir)).filter((f) => f.startsWith('seg-'));
    await appendFile(join(dir, seg!), '{"seq":3,\0\0\0\0\n\0\0\0');
    ob = await open();
    expect(seqs(await all(ob))).toEqual([1, 2]);
    await ob.close();
  });

  it('never reuses a seq once everything is acked and the segments are gone', async () => {
    let ob = await open({ segmentEvents: 2 });
    await ob.append([ev(1), ev(2), ev(3)]);
    await ob.ack(3);
    await ob.close();
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-'))).toEqual([]);
    ob = await open({ segmentEvents: 2 });
    expect([ob.firstSeq, ob.held]).toEqual([4, 0]);
    expect(await ob.append([ev(4)])).toBe(4);
    await ob.close();
  });

  it('deletes segments once fully acked, keeps the partly acked one', async () => {
    const ob = await open({ segmentEvents: 5 });
    for (let i = 0; i < 4; i++) await ob.append(range(1, 5).map(ev)); // 4 segments of 5
    const segFiles = async () => (await readdir(dir)).filter((f) => f.startsWith('seg-')).sort();
    expect(await segFiles()).toHaveLength(4);
    await ob.ack(12);
    expect(await segFiles()).toEqual(['seg-0000000000000011.jsonl', 'seg-0000000000000016.jsonl']);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual({ acked: 12, dropped: 0 });
    expect(seqs(await all(ob))).toEqual(range(13, 20));
    await ob.close();
  });

  it('stays within maxEvents by dropping the oldest unacked, says so, and firstSeq shows the loss', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
    let drops = 0;
    let ob = await open({ maxEvents: 100, warnAt: 0.5, segmentEvents: 30, log, onDrop: (n) => { drops += n; } });
    for (let i = 0; i < 15; i++) await ob.append(range(1, 10).map(ev));
    expect(ob.held).toBe(100);
    expect(ob.firstSeq).toBe(51);
    expect(drops).toBe(50);
    expect(ob.droppedCount).toBe(50);
    expect(seqs(await all(ob))).toEqual(range(51, 150));
    const msgs = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(msgs.filter((m) => m.msg.startsWith('outbox filling up'))).toHaveLength(1);
    expect(msgs.filter((m) => m.level === 50 && m.msg.startsWith('outbox full'))).toHaveLength(1);
    await ob.close();
    ob = await open({ maxEvents: 100 });
    expect([ob.firstSeq, ob.lastSeq]).toEqual([51, 150]);
    await ob.close();
  });

  it('commits concurrent appends together (group commit), with distinct seqs in call order', async () => {
    const ob = await open();
    const got = await Promise.all(range(1, 200).map((i) => ob.append([ev(i)])));
    expect(got).toEqual(range(1, 200));
    expect(ob.commits).toBeLessThan(20);
    expect(seqs(await all(ob))).toEqual(range(1, 200));
    await ob.close();
  });

  it('limits a read by bytes but always returns at least one event', async () => {
    const ob = await open();
    await ob.append(range(1, 10).map(ev));
    const one = Buffer.byteLength((await ob.read(0, 1, 1e9))[0]!) + 1;
    expect(seqs(await ob.read(0, 100, one * 3 + 1))).toEqual([1, 2, 3]);
    expect(seqs(await ob.read(0, 100, 1))).toEqual([1]);
    await ob.close();
  });

  it('reads across older segments, the active one and after acks', async () => {
    const ob = await open({ segmentEvents: 3 });
    for (let i = 1; i <= 10; i++) await ob.append([ev(i)]);
    expect(seqs(await ob.read(2, 5, 1e9))).toEqual([3, 4, 5, 6, 7]);
    await ob.ack(8);
    expect(seqs(await ob.read(2, 5, 1e9))).toEqual([9, 10]);
    await ob.close();
  });

  it('keeps Counter64 evidence (bigint) and truncates evidence too large or too deep for the protocol', async () => {
    const ob = await open();
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 150_000; i++) { const next = {}; cur.x = next; cur = next; }
    await ob.append([
      { ...ev(1), evidence: { ifHCInOctets: 2n ** 40n, huge: 2n ** 70n } }, { ...ev(2), evidence: { blob: 'x'.repeat(100_000) } }, { ...ev(3), evidence: deep },
    ]);
    const [a, b, c] = (await all(ob)).map((l) => JSON.parse(l) as { evidence: unknown });
    expect(a!.evidence).toEqual({ ifHCInOctets: 2 ** 40, huge: (2n ** 70n).toString() });
    expect(b!.evidence).toEqual({ truncated: true });
    expect(c!.evidence).toEqual({ truncated: true });
    await ob.close();
  });

  it('rebases after a collector that already holds higher seqs (data dir reset)', async () => {
    let ob = await open({ segmentEvents: 2 });
    await ob.append(range(1, 3).map(ev));
    await ob.rebase(500);
    expect([ob.firstSeq, ob.lastSeq]).toEqual([501, 503]);
    const lines = await all(ob);
    expect(seqs(lines)).toEqual([501, 502, 503]);
    expect(JSON.parse(lines[0]!)).toEqual({ seq: 501, ...ev(1) });
    expect(await ob.append([ev(4)])).toBe(504);
    await ob.close();
    ob = await open({ segmentEvents: 2 });
    expect(seqs(await all(ob))).toEqual([501, 502, 503, 504]);
    await ob.close();
  });

  it('measures durable appends per second (one event per fsync and grouped)', async () => {
    const ob = await open({ maxEvents: 1_000_000 });
    let t = performance.now();
    for (let i = 0; i < 200; i++) await ob.append([ev(i)]);
    const serialRate = 200 / ((performance.now() - t) / 1000);
    t = performance.now();
    await Promise.all(range(1, 20_000).map((i) => ob.append([ev(i)])));
    const groupRate = 20_000 / ((performance.now() - t) / 1000);
    console.log(`outbox: ${serialRate.toFixed(0)} appends/s one-by-one (fsync each), ${groupRate.toFixed(0)} events/s under group commit`);
    expect(groupRate).toBeGreaterThan(serialRate);
    await ob.close();
  });
});
