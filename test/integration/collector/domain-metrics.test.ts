import { describe, it, expect } from 'vitest';
import { TOKENS, TestAgent, collector, portEvent } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';

const ADMIN = 'admin-token-0123456789abcdef';

describe('domain metrics follow the ledger\'s customers', () => {
  it('labels a port with a customer created through the API, and follows a reassignment', async () => {
    const tmp = tempDir();
    const c = await collector(tmp.dir, { apiTokens: [{ name: 'ops', role: 'admin', token: ADMIN }] });
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      await a.events([portEvent(1, 'down', Date.now() - 5000, 'sw1/ge-0/0/9')]);
      const line = async () => (await c.metricsText()).split('\n').filter((l) => l.startsWith('dcprobe_port_up{device="sw1",port="ge-0/0/9"'));
      expect(await line()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/9",customer=""} 0']);
      const put = (method: string, path: string, body: unknown) => fetch(`${c.url}${path}`, {
        method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      expect((await put('POST', '/api/v1/customers', { id: 'cust-new', network: { ports: ['sw1/ge-0/0/9'] } })).status).toBe(201);
      expect(await line()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/9",customer="cust-new"} 0']);
      expect((await put('PUT', '/api/v1/customers/cust-new', { network: { ports: ['sw1/ge-0/0/10'] } })).status).toBe(200);
      expect(await line()).toEqual(['dcprobe_port_up{device="sw1",port="ge-0/0/9",customer=""} 0']);
      a.close();
    } finally { await c.close(); tmp.cleanup(); }
  });
});
