/**
 * The file operations the outbox's durability rests on (append, fdatasync,
 * truncate, write in place), behind one small interface, so a test can count
 * the syncs and truncates on the real files and a missing one fails it.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export interface DataFile {
  /** Writes all of `buf` at the end, however many write(2) calls that takes; throws on the first error (ENOSPC …). */
  append(buf: Buffer): Promise<void>;
  /** Writes all of `buf` at `position`, inside the file (no new blocks needed). */
  writeAt(buf: Buffer, position: number): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface OutboxIo {
  /** `append`: created 0600 if missing, writes go to the end. `update`: an existing file, read and written in place. `create`: a new file, 0600, fails if it exists. */
  openFile(path: string, how: 'append' | 'update' | 'create'): Promise<DataFile>;
}

const FLAGS = { append: 'a', update: 'r+', create: 'wx' } as const;

export const realIo: OutboxIo = {
  async openFile(path, how) {
    return dataFile(await open(path, FLAGS[how], 0o600));
  },
};

function dataFile(fh: FileHandle): DataFile {
  /** A short write (the disk filled up mid-buffer) is followed by one more write, which then fails with the real error. */
  async function writeAll(buf: Buffer, position: number | null): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off, position === null ? null : position + off);
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      off += bytesWritten;
    }
  }
  return {
    append: (buf) => writeAll(buf, null),
    writeAt: (buf, position) => writeAll(buf, position),
    datasync: () => fh.datasync(),
    truncate: (length) => fh.truncate(length),
    size: async () => (await fh.stat()).size,
    close: () => fh.close(),
  };
}
