import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@dcprobe/shared';
import { TestAgent, collector, portEvent, TOKENS } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { storeValue } from '../../support/store-sql.ts';

describe('many agents at once', () => {
  it('200 concurrent agents each get every event committed exactly once', async () => {
    const tmp = tempDir();
    const agents = Array.from({ length: 200 }, (_, i) => ({ id: `rack-${i}`, token: `token-for-rack-${i}-0123456789` }));
    const c = await collector(tmp.dir, { agents });
    try {
      await Promise.all(agents.map(async ({ id, token }) => {
        const a = await TestAgent.connect(c.wsUrl, token);
        await a.hello(id);
        const batch = Array.from({ length: 10 }, (_, k) => portEvent(k + 1, k % 2 ? 'down' : 'up', Date.UTC(2026, 10, 1) + k, `${id}sw/ge-0/0/${k}`));
        expect((await a.events(batch)).seq).toBe(10);
        a.close();
      }));
      await c.settled();
      expect(storeValue(c.config.database, 'SELECT count(*) FROM observations')).toBe(2000);
      expect(storeValue(c.config.database, 'SELECT count(DISTINCT agent_id) FROM observations')).toBe(200);
    } finally { await c.close(); tmp.cleanup(); }
  });
});

describe('TLS', () => {
  it('serves https:// and wss:// with the configured certificate', async () => {
    const tmp = tempDir();
    const cert = fileURLToPath(new URL('../../fixtures/tls/localhost.crt', import.meta.url));
    const key = fileURLToPath(new URL('../../fixtures/tls/localhost.key', import.meta.url));
    const c = await collector(tmp.dir, { tls: { cert, key } });
    try {
      expect(c.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/agent$/);
      const ca = readFileSync(cert);
      const status = await new Promise<number>((resolve, reject) => {
        https.get(`${c.url}/healthz`, { ca }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
      });
      expect(status).toBe(200);
      const ws = new WebSocket(c.wsUrl, { ca, headers: { authorization: `Bearer ${TOKENS['rack-a1']}` } });
      const welcome = await new Promise<any>((resolve, reject) => {
        ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, agentId: 'rack-a1', version: 't', host: {}, clock: Date.now() })));
        ws.on('message', (d) => resolve(JSON.parse(d.toString())));
        ws.on('error', reject);
      });
      expect(welcome.type).toBe('welcome');
      ws.close();
      // An agent that does not trust the certificate is refused by TLS, not by the protocol.
      const untrusted = new WebSocket(c.wsUrl, { headers: { authorization: `Bearer ${TOKENS['rack-a1']}` } });
      await expect(new Promise((_r, reject) => untrusted.on('error', reject))).rejects.toThrow(/self.signed|certificate/i);
    } finally { await c.close(); tmp.cleanup(); }
  });
});
