/**
 * Appends to an outbox as fast as it can and prints each seq the outbox
 * reported durable, until killed. The parent kills it with SIGKILL and checks
 * that every printed seq survived and none is reused.
 */
import { Outbox } from '../../../agent/src/outbox.ts';
import { silentLogger } from '../../../agent/src/log.ts';

const dir = process.argv[2]!;
const ob = await Outbox.open({ dir, maxEvents: 1_000_000, warnAt: 0.9, log: silentLogger, segmentEvents: 500 });
process.stdout.write(`open ${ob.firstSeq} ${ob.lastSeq}\n`);
let i = 0;
for (;;) {
  // Several appends in flight at once, as concurrent polls make them (group commit).
  const batch = Array.from({ length: 8 }, () => {
    i++;
    return ob.append([{ subject: `sw1/p${i % 48}`, kind: 'port', state: i % 2 ? 'down' : 'up', at: 1_700_000_000_000 + i, via: 'poll', evidence: { pad: 'x'.repeat(i % 300) } }]);
  });
  for (const p of batch) process.stdout.write(`${await p}\n`);
}
