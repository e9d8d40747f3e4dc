/** `dcprobe-collector backup --config FILE DEST`: store/sqlite/backup.ts does the work; this prints what it did. */
import type { CliIo } from '@dcprobe/shared';
import { backupStore } from '../store/open.ts';
import type { CollectorConfig } from '../config.ts';

export async function backupCommand(config: Readonly<CollectorConfig>, dest: string, io: CliIo): Promise<number> {
  const r = backupStore(config.database, dest);
  io.out(`${r.dest}: backup of ${config.database} (schema ${r.schemaVersion}): ${r.observations} observations, `
    + `${r.fromJournal} of them from the ingest journal, ${r.bytes} bytes, quick_check ok`);
  return 0;
}
