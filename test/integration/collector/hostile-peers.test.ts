/**
 * Nothing a peer sends ends the collector: a refused WebSocket that sends a
 * malformed or oversized frame before the close, a request target with a
 * broken escape, frames nested past the protocol's depth (hello and events).
 * Each case is followed by a request the collector must still answer.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { E, MAX_FRAME_DEPTH, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '@dcprobe/shared';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';

const T0 = Date.now() - 3_600_000;

/** A raw TCP upgrade to /agent (with `auth` as its Authorization header, if any), then `after` written at once. */
function rawUpgrade(port: number, auth: string | null, after: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('error', () => {}); // the collector may reset the socket: that is the expected end
    s.on('close', () => resolve(got));
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('raw socket not closed within 5 s')); });
    s.write([
      'GET /agent HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
      ...(auth ? [`Authorization: ${auth}`] : []), '', '',
    ].join('\r\n'));
    s.write(after);
  });
}

/** A frame header announcing `len` payload bytes; unmasked is a protocol error (clients must mask). */
const frameHeader = (len: number, masked: boolean) => {
  const h = Buffer.alloc(masked ? 14 : 10);
  h[0] = 0x82; h[1] = (masked ? 0x80 : 0) | 127; h.writeBigUInt64BE(BigInt(len), 2);
  return h;
};

const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe('hostile peers cannot end the collector', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: CollectorHandle;
  beforeEach(async () => { tmp = tempDir(); c = await collector(tmp.dir, { apiTokens: [{ name: 'noc', role: 'read', token: 'api-read-token-0123456789' }] }); });
  afterEach(async () => { await c.close(); tmp.cleanup(); });

  const alive = async () => expect((await fetch(`${c.url}/healthz`)).status).toBe(200);

  it.each([
    ['no token, then six unmasked bytes', null, Buffer.from([0x81, 0x04, 0x61, 0x62, 0x63, 0x64])],
    ['a wrong token, then an unmasked frame announcing 8 MiB', 'Bearer wrong-token-0123456789', frameHeader(8 * MAX_MESSAGE_BYTES, false)],
    ['no token, then a masked frame announcing 8 MiB', null, frameHeader(8 * MAX_MESSAGE_BYTES, true)],
  ])('a refused upgrade with %s is closed, and the collector keeps serving', async (_what, auth, after) => {
    const answer = await rawUpgrade(c.port, auth, after);
    expect(answer).toMatch(/^HTTP\/1\.1 101/);
    await alive();
  });

  it('answers a request target with a broken percent-escape with 400, with or without a token', async () => {
    for (const headers of [{}, { authorization: 'Bearer api-read-token-0123456789' }] as Record<string, string>[]) {
      const r = await fetch(`${c.url}/api/v1/customers/%E0%A4%A`, { headers });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe(E.VALIDATION);
    }
    await alive();
  });

  it('refuses a hello whose host nests 150,000 levels with TOO_LARGE, then welcomes a good one', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    const refused = a.next('error', (f) => f.code === 'TOO_LARGE');
    a.send(`{"type":"hello","v":${PROTOCOL_VERSION},"agentId":"rack-a1","version":"t","clock":${Date.now()},"host":{"x":${nested(150_000)}}}`);
    expect((await refused).message).toContain(`nested deeper than ${MAX_FRAME_DEPTH} levels`);
    await a.hello('rack-a1');
    a.close();
    await alive();
  });

  it('refuses events nested past the frame depth before parsing them, never acks them, and keeps the store readable', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    for (const depth of [150_000, MAX_FRAME_DEPTH]) {
      const refused = a.next('error', (f) => f.code === 'TOO_LARGE');
      const ev = JSON.stringify(portEvent(1, 'down', T0)).replace(/"evidence":\{[^}]*\}/, `"evidence":{"deep":${nested(depth)}}`);
      a.send(`{"type":"events","v":${PROTOCOL_VERSION},"batch":[${ev}]}`);
      await refused;
    }
    expect((await a.events([portEvent(1, 'up', T0)])).seq).toBe(1);
    expect(a.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq)).toEqual([1]);
    expect(await rows(c, 'SELECT seq, state FROM observations')).toEqual([{ seq: 1, state: 'up' }]);
    const r = await fetch(`${c.url}/api/v1/customers/cust-a/sla?month=${new Date(T0).toISOString().slice(0, 7)}`, { headers: { authorization: 'Bearer api-read-token-0123456789' } });
    expect(r.status).toBe(200);
    a.close();
  });
});
