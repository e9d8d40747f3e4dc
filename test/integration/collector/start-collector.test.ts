/**
 * The package's public startCollector is the whole collector: a programmatic
 * user gets the API, the report page and the SLA metrics, as `run` does.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildConfig, startCollector } from '@dcprobe/collector';
import { silentLogger } from '../../../collector/src/log.ts';
import { tempDir } from '../../support/temp.ts';

const READ = 'read-token-0123456789abcdef';

describe('startCollector from the package entry', () => {
  it('serves the API, the report page and the SLA metrics', async () => {
    const tmp = tempDir();
    const c = await startCollector(buildConfig({
      listen: '127.0.0.1:0', database: join(tmp.dir, 'c.sqlite'), logLevel: 'silent',
      apiTokens: [{ name: 'noc', role: 'read', token: READ }],
      customers: [{ id: 'cust-a', network: { ports: ['sw1/ge-0/0/1'] } }],
    }), { log: silentLogger, processMetrics: false, now: () => Date.parse('2026-11-20T12:00:00+08:00') });
    try {
      const get = (path: string) => fetch(`${c.url}${path}`, { headers: { authorization: `Bearer ${READ}` } });
      const customers = await get('/api/v1/customers');
      expect(customers.status).toBe(200);
      expect((await customers.json() as { customers: { id: string }[] }).customers.map((x) => x.id)).toEqual(['cust-a']);
      const page = await get('/customers/cust-a/sla/2026-11');
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await (await fetch(`${c.url}/metrics`)).text()).toMatch(/^dcprobe_sla_countable_seconds\{customer="cust-a",service="network"\} 0$/m);
    } finally {
      await c.close();
      tmp.cleanup();
    }
  });
});
