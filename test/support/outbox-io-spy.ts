/**
 * The outbox's real file operations, counted: which file was synced or cut,
 * and how often. The files are real; only the calls are recorded, so a test
 * can see a durability step that is missing (an fdatasync, the truncate after
 * a failed write) where a crash test would need luck to.
 */
import { basename } from 'node:path';
import { realIo } from '../../agent/src/outbox-io.ts';
import type { OutboxIo } from '../../agent/src/outbox-io.ts';

export interface IoCounts {
  /** fdatasync calls per kind of file: `segment` or `hwm`. */
  datasync: Record<'segment' | 'hwm', number>;
  truncate: number;
  appendFailures: number;
}

export function spyIo(): { io: OutboxIo; counts: IoCounts } {
  const counts: IoCounts = { datasync: { segment: 0, hwm: 0 }, truncate: 0, appendFailures: 0 };
  const io: OutboxIo = {
    async openFile(path, how) {
      const f = await realIo.openFile(path, how);
      const kind = basename(path).startsWith('seg-') ? 'segment' : 'hwm';
      return {
        ...f,
        append: (buf) => f.append(buf).catch((e: unknown) => { counts.appendFailures++; throw e; }),
        datasync: () => f.datasync().then(() => { counts.datasync[kind]++; }),
        truncate: (n) => f.truncate(n).then(() => { counts.truncate++; }),
      };
    },
  };
  return { io, counts };
}
