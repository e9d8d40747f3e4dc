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

/**
 * One exposition label value, Prometheus text format 0.0.4: inside quotes, only `\\`, `\"`
 * and `\n` escapes. A sample line that does not parse this way breaks the whole scrape.
 */
const SAMPLE = /^(\w+)\{((?:\w+="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+)$/;
function labelsOf(line: string): Record<string, string> {
  const m = SAMPLE.exec(line);
  if (!m) throw new Error(`not an exposition sample: ${line}`);
  return Object.fromEntries([...m[2]!.matchAll(/(\w+)="((?:[^"\\\n]|\\[\\"n])*)"/g)]
    .map(([, k, v]) => [k!, v!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))]));
}

describe('subject ids with " and \\ in /metrics', () => {
  it('escapes them in the labels, so the exposition parses and says the ids as they are', async () => {
    const tmp = tempDir();
    const c = await collector(tmp.dir);
    try {
      const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await a.hello('rack-a1');
      const port = 'sw"q\\1/ge\\0/"1"', feed = 'ups\\"a/out"\\';
      await a.events([
        portEvent(1, 'up', Date.now() - 5000, port),
        { seq: 2, subject: feed, kind: 'power', state: 'battery', at: Date.now() - 5000, via: 'poll' },
      ]);
      const text = await (await fetch(`${c.url}/metrics`)).text();
      const samples = text.split('\n').filter((l) => /^dcprobe_(port_up|port_known|power_state)\{/.test(l));
      expect(samples.length).toBeGreaterThan(0);
      const parsed = samples.map(labelsOf);
      expect(parsed.filter((l) => l.port !== undefined).map((l) => `${l.device}/${l.port}`)).toEqual([port, port]);
      expect(new Set(parsed.filter((l) => l.feed !== undefined).map((l) => `${l.device}/${l.feed}`))).toEqual(new Set([feed]));
      expect(text).toContain('dcprobe_port_up{device="sw\\"q\\\\1",port="ge\\\\0/\\"1\\"",customer=""} 1');
      a.close();
    } finally { await c.close(); tmp.cleanup(); }
  });
});
