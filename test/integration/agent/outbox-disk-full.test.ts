/**
 * The outbox on a real full disk (a small tmpfs, filled up): events the disk
 * refuses keep their seqs in memory, unsent, counted and logged once, and are
 * written in order when space comes back; a write the disk cut short is cut
 * off the segment before the retry; numbered events that never reached the
 * disk are known lost after a stop. Needs root (mount).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { E, isCoded } from '@dcprobe/shared';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent, OutboxOptions } from '../../../agent/src/outbox.ts';
import { readHwm } from '../../../agent/src/outbox-hwm.ts';
import { mountTmpfs } from '../../support/tmpfs.ts';
import type { Tmpfs } from '../../support/tmpfs.ts';
import { spyIo } from '../../support/outbox-io-spy.ts';
import { sleep, until } from '../../support/wait.ts';

const ev = (i: number, pad = 0): OutboxEvent => ({
  subject: `sw1/p${i % 48}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll', ...(pad ? { evidence: { pad: 'x'.repeat(pad) } } : {}),
});
const seqs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

let disk: Tmpfs;
let dir: string;
let logs: { level: number; msg: string }[];
let failures: number;
const opened: Outbox[] = [];

async function open(o: Partial<OutboxOptions> = {}): Promise<Outbox> {
  const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { logs.push(JSON.parse(String(c)) as { level: number; msg: string }); cb(); } }));
  const ob = await Outbox.open({ dir, maxEvents: 100_000, warnAt: 0.9, log, onWriteFailure: () => { failures++; }, ...o });
  opened.push(ob);
  return ob;
}

async function refused(p: Promise<number>): Promise<boolean> {
  try { await p; return false; } catch (e) { return isCoded(e, E.OUTBOX_UNSAVED); }
}

/** Appends one event at a time until the disk refuses one (the last page of the segment may still have room); returns its seq. */
async function appendUntilRefused(ob: Outbox, from: number, pad: number): Promise<number> {
  for (let i = from; i < from + 1000; i++) if (await refused(ob.append([ev(i, pad)]))) return i;
  throw new Error('the disk never refused a write');
}

beforeEach(async () => {
  disk = await mountTmpfs(512 * 1024);
  dir = join(disk.dir, 'outbox');
  logs = [];
  failures = 0;
});
afterEach(async () => {
  for (const ob of opened.splice(0)) await ob.close().catch(() => undefined);
  await disk.unmount();
});

describe('outbox on a full disk', () => {
  it('holds refused events numbered and unsent, says so once, and saves them in order when space returns', async () => {
    const ob = await open();
    for (let i = 1; i <= 5; i++) await ob.append([ev(i)]);
    await disk.fill();
    const first = await appendUntilRefused(ob, 6, 200);
    for (let i = first + 1; i <= 205; i++) expect(await refused(ob.append([ev(i, 200)]))).toBe(true);
    expect(ob.unsavedCount).toBe(205 - first + 1);
    expect(ob.lastSeq).toBe(205);
    expect(seqs(await ob.read(0, 1e9, 1e12))).toEqual(range(1, first - 1)); // never sent before they are on disk
    expect(await readHwm(dir)).toBe(205); // the mark is written in place: a full disk still takes it
    await sleep(3_500); // retried after 1 s, then 2 s later: backoff, not a loop
    expect(failures).toBeGreaterThanOrEqual(2); // the first write and retries after 1 s and 3 s
    expect(failures).toBeLessThanOrEqual(4);
    expect(logs.filter((l) => l.level >= 50 && /outbox (write failed|still cannot write)/.test(l.msg))).toHaveLength(1);
    await disk.free();
    await until(() => ob.unsavedCount === 0, 10_000, 'the retry to save the held events');
    expect(seqs(await ob.read(0, 1e9, 1e12))).toEqual(range(1, 205));
    expect(logs.some((l) => /outbox writable again/.test(l.msg))).toBe(true);
    expect(await ob.append([ev(206)])).toBe(206);
    await ob.close();
    const again = await open();
    expect(seqs(await again.read(0, 1e9, 1e12))).toEqual(range(1, 206));
    await again.close();
  });

  it('cuts a write the disk cut short before the retry, so no torn record is left between good ones', async () => {
    const { io, counts } = spyIo();
    const ob = await open({ io });
    await ob.append([ev(1)]);
    await disk.fill(4096); // one page free: the next write of ~12 KiB stops part way
    expect(await refused(ob.append(range(2, 41).map((i) => ev(i, 200))))).toBe(true);
    await disk.free();
    await until(() => ob.unsavedCount === 0, 10_000, 'the retry');
    await ob.close();
    const quarantine = await readFile(join(dir, 'quarantine.jsonl'), 'utf8').catch(() => '');
    const again = await open();
    expect(seqs(await again.read(0, 1e9, 1e12))).toEqual(range(1, 41));
    expect(await readFile(join(dir, 'quarantine.jsonl'), 'utf8').catch(() => '')).toBe(quarantine);
    expect(quarantine).toBe('');
    expect(counts.appendFailures).toBe(1);
    expect(counts.truncate).toBe(1);
    await again.close();
  });

  it('stays within maxEvents while the disk is full, giving up the oldest (saved or not), and reads the rest right after', async () => {
    const ob = await open({ maxEvents: 100 });
    for (let i = 1; i <= 5; i++) await ob.append([ev(i)]);
    await disk.fill();
    const first = await appendUntilRefused(ob, 6, 200);
    for (let i = first + 1; i <= 250; i++) await refused(ob.append([ev(i)]));
    expect([ob.firstSeq, ob.lastSeq, ob.held, ob.unsavedCount]).toEqual([151, 250, 100, 100]);
    await disk.free();
    await until(() => ob.unsavedCount === 0, 10_000, 'the retry');
    expect(seqs(await ob.read(0, 1e9, 1e12))).toEqual(range(151, 250));
    expect(seqs(await ob.read(200, 10, 1e12))).toEqual(range(201, 210));
    await ob.close();
    const again = await open({ maxEvents: 100 });
    expect(seqs(await again.read(0, 1e9, 1e12))).toEqual(range(151, 250));
    await again.close();
  });

  it('knows numbered events that never reached the disk are lost after a stop, and gives their seqs to nothing else', async () => {
    const ob = await open();
    for (let i = 1; i <= 5; i++) await ob.append([ev(i)]);
    await disk.fill();
    const first = await appendUntilRefused(ob, 6, 200);
    for (let i = first + 1; i <= 35; i++) await refused(ob.append([ev(i)]));
    await ob.close(); // the last try fails too
    expect(logs.some((l) => l.level >= 50 && /stopping with events the disk never took/.test(l.msg))).toBe(true);
    await disk.free();
    let lost = 0;
    const again = await open({ onLost: (n) => { lost += n; } });
    expect(lost).toBe(35 - first + 1);
    expect(again.lastSeq).toBe(35);
    expect(seqs(await again.read(0, 1e9, 1e12))).toEqual(range(1, first - 1));
    expect(await again.append([ev(36)])).toBe(36);
    await again.ack(first - 1); // the collector has what was saved: the rest is now behind firstSeq, and the next hello says so
    expect([again.firstSeq, again.lossUnreported]).toEqual([36, true]);
    await again.close();
    expect((await readdir(dir)).sort()).toEqual(expect.arrayContaining(['hwm', 'state.json']));
  });
});
