/**
 * The collector killed between send and receipt: the receiver has the notice,
 * the collector never saw the 2xx. At restart the open attempt is recovered as
 * interrupted and the notice sent again under the same delivery id; the
 * receiver de-duplicates it, so one notice is recorded and none is lost, and
 * the receipt is the 2xx of the resend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../../../collector/src/delivery/signature.ts';
import type { Delivery } from '../../../../collector/src/delivery/types.ts';
import { WebhookReceiver } from '../../../support/webhook-receiver.ts';
import { until } from '../../../support/wait.ts';

const CHILD = fileURLToPath(new URL('./webhook-crash-child.ts', import.meta.url));
let dir: string | undefined, receiver: WebhookReceiver | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await receiver?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(file: string, url: string, secret: string): { child: ChildProcess; lines: string[]; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, url], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DCP_TEST_WEBHOOK_SECRET: secret },
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
  return { child, lines, exited: new Promise((r) => child.once('exit', () => r())) };
}

describe('webhook delivery across a collector crash', () => {
  it('records one notice, loses none, and takes the receipt from the resend', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dcp-delivery-crash-'));
    const file = join(dir, 'delivery.json');
    const secret = newWebhookSecret();
    receiver = await WebhookReceiver.start({ secret });
    const r = receiver;
    // The first request is processed (accepted) but its 2xx is held back; the collector dies meanwhile.
    r.respond = () => (r.requests.length === 1 ? { status: 200, delayMs: 3000 } : { status: 200 });

    const first = start(file, r.url, secret);
    await until(() => r.requests.length === 1, 20_000, 'the first request');
    first.child.kill('SIGKILL');
    await first.exited;
    const crashed = JSON.parse(await readFile(file, 'utf8')) as Delivery;
    expect([crashed.status, crashed.attempts.length, crashed.receipt]).toEqual(['sending', 1, null]);
    await until(() => r.accepted.size === 1, 10_000, 'the held request to be processed');

    const second = start(file, r.url, secret);
    await second.exited;
    expect(second.lines.at(-1)).toBe('done delivered');
    const d = JSON.parse(await readFile(file, 'utf8')) as Delivery;
    expect(d.attempts.map((a) => (a.outcome?.kind === 'receipt' ? 'receipt' : a.outcome?.failure))).toEqual(['interrupted', 'receipt']);
    expect(r.requests.map((x) => [x.id, x.check])).toEqual([['D-notice-T-9', 'ok'], ['D-notice-T-9', 'ok']]);
    expect([...r.accepted.keys()]).toEqual(['D-notice-T-9']);
    expect(d.receipt!.at).toBeGreaterThanOrEqual(r.requests[1]!.receivedAt);
  });
});
