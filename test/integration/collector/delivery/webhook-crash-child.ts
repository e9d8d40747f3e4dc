/**
 * A collector's delivery loop in a process of its own, for the crash test: it
 * keeps the delivery in a JSON file (written to a temp file, fsynced, renamed,
 * as durable as a store commit), runs it to the end and prints each saved state.
 * argv: STATE_FILE URL; the webhook secret comes in DCP_TEST_WEBHOOK_SECRET.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { newDelivery } from '../../../../collector/src/delivery/machine.ts';
import { runDelivery } from '../../../../collector/src/delivery/run.ts';
import type { Delivery } from '../../../../collector/src/delivery/types.ts';
import { webhookSender } from '../../../../collector/src/delivery/webhook.ts';

const [file, url] = process.argv.slice(2) as [string, string];
const save = (d: Delivery) => {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  writeSync(fd, JSON.stringify(d));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
  process.stdout.write(`saved ${d.status} ${d.attempts.length}\n`);
};
const d: Delivery = existsSync(file)
  ? JSON.parse(readFileSync(file, 'utf8')) as Delivery
  : newDelivery({ id: 'D-notice-T-9', channel: 'webhook', customer: 'cust-a', item: { kind: 'notice', id: 'N-9' }, target: url, createdAt: Date.now() });
const sender = webhookSender({ url, secret: process.env.DCP_TEST_WEBHOOK_SECRET!, timeoutMs: 20_000, now: Date.now });
const final = await runDelivery(d, { body: '{"type":"restoration_notice","report":"T-9"}' }, sender, {
  now: Date.now, random: Math.random, save,
  policy: { firstDelayMs: 50, maxDelayMs: 200, maxAttempts: 5, maxAgeMs: 60_000 },
  sleepUntil: (t) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now()))),
});
process.stdout.write(`done ${final.status}\n`);
