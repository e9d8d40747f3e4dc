/**
 * The outbox's high-water mark: the highest seq ever given to an event, kept
 * apart from the segments so that a damaged or truncated segment cannot lower
 * it (seqs are never reused) and so that events numbered but never saved are
 * known to be lost after a crash (the collector is told at the next hello).
 *
 * The file is 64 bytes written in place, never grown or renamed, so it can
 * still be written on a full disk, when the segments cannot: two 32-byte slots
 * `hwm:<seq, 16 digits>:<crc32, 8 hex>`, written alternately and fdatasync'd,
 * so a torn write spoils at most the slot being written. The value is the
 * larger of the valid slots; a missing file (an outbox from before this file
 * existed) reads as 0.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { DataFile, OutboxIo } from './outbox-io.ts';
import { fsyncPath } from './outbox-files.ts';

export const HWM_FILE = 'hwm';
const SLOT = 32;

function slotText(seq: number): Buffer {
  const body = `hwm:${String(seq).padStart(16, '0')}`;
  return Buffer.from(`${body}:${crc32(body).toString(16).padStart(8, '0')}`.padEnd(SLOT - 1, ' ') + '\n');
}

function parseSlot(text: string): number | undefined {
  const m = /^(hwm:(\d{16})):([0-9a-f]{8}) *$/.exec(text.slice(0, SLOT - 1));
  if (!m || crc32(m[1]!) !== parseInt(m[3]!, 16)) return undefined;
  return Number(m[2]);
}

export class HighWater {
  private next = 0;

  private constructor(private readonly file: DataFile, private saved: number) {}

  /** Opens (or creates, holding `floor`) the mark in `dir`; `value` is at least `floor`. */
  static async open(dir: string, io: OutboxIo, floor: number): Promise<HighWater> {
    const path = join(dir, HWM_FILE);
    const read = await readHwm(dir);
    if (read !== undefined) return new HighWater(await io.openFile(path, 'update'), read);
    const file = await io.openFile(path, 'create');
    const both = Buffer.concat([slotText(floor), slotText(floor)]);
    await file.writeAt(both, 0);
    await file.datasync();
    await fsyncPath(dir);
    return new HighWater(file, floor);
  }

  /** The highest seq known durable in this file. */
  get value(): number { return this.saved; }

  /** Makes `seq` the mark (never lowers it); throws if the write or the sync failed. */
  async save(seq: number): Promise<void> {
    if (seq <= this.saved) return;
    const slot = this.next;
    this.next = 1 - slot;
    await this.file.writeAt(slotText(seq), slot * SLOT);
    await this.file.datasync();
    this.saved = Math.max(this.saved, seq);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** The mark on disk: undefined when there is no file; 0 when both slots are unreadable. */
export async function readHwm(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, HWM_FILE), 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return Math.max(0, parseSlot(text.slice(0, SLOT)) ?? 0, parseSlot(text.slice(SLOT, 2 * SLOT)) ?? 0);
}
