/**
 * `dcprobe-collector verify-store --config FILE`: walks the store's hash chain
 * (store/chain.ts) and names the first row or link that does not fit. Prints
 * the chain's head hash: kept somewhere the store's administrator cannot
 * write, it pins every row up to it (docs/tamper-evidence.md).
 */
import type { CliIo } from '@dcprobe/shared';
import type { CollectorConfig } from '../config.ts';
import { verifyStoreChain } from '../store/open.ts';

export async function verifyStoreCommand(config: Readonly<CollectorConfig>, io: CliIo): Promise<number> {
  const r = verifyStoreChain(config.database);
  if (r.problem) {
    io.err(`${config.database}: the hash chain does not fit: ${r.problem.reason}`);
    io.err(`${r.links} links fit before it; the last one's hash: ${r.head}`);
    return 1;
  }
  io.out(`${config.database}: hash chain intact, ${r.links} links; head ${r.head}`);
  return 0;
}
