/**
 * The outbox's durability steps, counted on its real files: an append
 * resolves only after its segment write was fdatasync'd and the high-water
 * mark with it, and group commit shares one fdatasync among concurrent appends.
 * A missing sync fails here, where a crash test would need a power cut.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../../agent/src/outbox.ts';
import type { OutboxEvent } from '../../../agent/src/outbox.ts';
import { readHwm } from '../../../agent/src/outbox-hwm.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { spyIo } from '../../support/outbox-io-spy.ts';

const ev = (i: number): OutboxEvent => ({ subject: `sw1/p${i}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll' });

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'dcp-outbox-sync-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('outbox durability steps', () => {
  it('fdatasyncs the segment and the high-water mark before each append resolves', async () => {
    const { io, counts } = spyIo();
    const ob = await Outbox.open({ dir, maxEvents: 1000, warnAt: 0.9, log: silentLogger, io });
    const marksAtOpen = counts.datasync.hwm;
    for (let i = 1; i <= 20; i++) {
      const seq = await ob.append([ev(i)]);
      expect(seq).toBe(i);
      expect(counts.datasync.segment).toBe(i); // synced by the time the append resolved
      expect(counts.datasync.hwm - marksAtOpen).toBe(i);
      expect(await readHwm(dir)).toBe(i);
    }
    expect(ob.commits).toBe(20);
    await ob.close();
  });

  it('shares one fdatasync among appends that arrive together (group commit)', async () => {
    const { io, counts } = spyIo();
    const ob = await Outbox.open({ dir, maxEvents: 10_000, warnAt: 0.9, log: silentLogger, io });
    const got = await Promise.all(Array.from({ length: 500 }, (_, i) => ob.append([ev(i)])));
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(counts.datasync.segment).toBeGreaterThan(0);
    expect(counts.datasync.segment).toBeLessThan(50);
    expect(counts.datasync.segment).toBe(ob.commits);
    await ob.close();
  });
});
