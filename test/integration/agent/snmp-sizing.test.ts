/**
 * Request sizing against the sim switch playing an embedded agent's limits:
 * no answer above a size (snmpsimd, UPS and PDU cards), tooBig above a size,
 * no GETBULK at all. The switch source reads every port correctly with
 * default settings, shrinks its requests once, remembers, logs each change
 * once, and reports the size as dcprobe_agent_snmp_max_repetitions.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { silentLogger } from '../../../agent/src/log.ts';
import { startSimSwitch, type SimSwitch, type SimSwitchOptions } from '../../../agent/src/sim/switch.ts';
import { openSwitch, switchTargetSchema } from '../../../agent/src/sources/snmp-switch.ts';
import type { Reading } from '../../../agent/src/sources/types.ts';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent } from '../../../agent/src/agent.ts';
import { startFakeCollector } from './link-fake-collector.ts';
import { until } from '../../support/wait.ts';
import { tempDir } from '../../support/temp.ts';

async function sim(o: SimSwitchOptions = {}): Promise<SimSwitch> {
  const s = await startSimSwitch(o);
  onTestFinished(() => s.close());
  return s;
}

/** A log that keeps its lines. */
function capture() {
  const lines: { level: number; msg: string; maxRepetitions?: number }[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
  return { log, lines };
}

/** The switch with default request settings, short timeouts so a dropped request costs 150 ms. */
function open(s: SimSwitch, log = silentLogger, cfg: Record<string, unknown> = {}) {
  const sizes: number[] = [];
  const target = switchTargetSchema.parse({ kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: s.port, community: 'public', ports: 'all', timeoutMs: 150, retries: 0, ...cfg });
  const inst = openSwitch(target, { log, now: Date.now, snmpMaxRepetitions: (n) => sizes.push(n) });
  onTestFinished(() => inst.close());
  const poll = (): Promise<Reading[]> => inst.poll({ signal: new AbortController().signal, now: Date.now, log });
  return { poll, sizes };
}

const states = (rs: Reading[]) => rs.map((r) => [r.subject, r.state]);

describe('request sizing against devices with size limits', () => {
  it('a device that never answers more than 20 varbinds: halves to 4 repetitions, reads every port, and remembers', async () => {
    const s = await sim({ ports: 48, quirks: { dropAbove: 20 } });
    await s.setOper('ge-0/0/30', 'down');
    const { log, lines } = capture();
    const sw = open(s, log);
    const first = await sw.poll();
    expect(first).toHaveLength(50);
    expect(first.find((r) => r.subject === 'sw1/ge-0/0/30')!.state).toBe('down');
    expect(sw.sizes).toEqual([25, 8, 4]); // 16 × 3 = 48 dropped, 8 × 3 = 24 dropped, 4 × 3 = 12 answered
    const changes = lines.filter((l) => l.maxRepetitions !== undefined).map((l) => l.msg);
    expect(changes).toEqual([
      `a GETBULK of 16 repetitions to 127.0.0.1:${s.port} timed out while the device answers small requests: asking 8 repetitions from now on`,
      `a GETBULK of 8 repetitions to 127.0.0.1:${s.port} timed out while the device answers small requests: asking 4 repetitions from now on`,
    ]);
    const dropped = s.requests.dropped;
    const t0 = Date.now();
    expect(states(await sw.poll())).toEqual(states(first));
    expect(s.requests.dropped).toBe(dropped); // remembered: no request too big again
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(lines.filter((l) => l.maxRepetitions !== undefined)).toHaveLength(2); // logged once per change
  });

  it('a device that answers tooBig above 30 varbinds: halves at once, no timeout paid', async () => {
    const s = await sim({ ports: 48, quirks: { tooBigAbove: 30 } });
    const sw = open(s);
    const t0 = Date.now();
    expect(await sw.poll()).toHaveLength(50);
    expect(sw.sizes).toEqual([25, 8]);
    expect(s.requests.tooBig).toBeGreaterThan(0);
    expect(s.requests.dropped).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a device without GETBULK: down to 1 repetition, then GETNEXT, which it answers', async () => {
    const s = await sim({ ports: 10, quirks: { noBulk: true } });
    await s.setOper('ge-0/0/3', 'down');
    const sw = open(s);
    const rs = await sw.poll();
    expect(rs).toHaveLength(12);
    expect(rs.find((r) => r.subject === 'sw1/ge-0/0/3')!.state).toBe('down');
    expect(sw.sizes).toEqual([25, 8, 4, 2, 1, 0]);
    expect(s.requests.getNext).toBeGreaterThan(0);
  });

  it('bulk: off walks with GETNEXT from the start; bulk: on never shrinks', async () => {
    const s = await sim({ ports: 10 });
    const off = open(s, silentLogger, { bulk: 'off' });
    expect(await off.poll()).toHaveLength(12);
    expect(off.sizes).toEqual([0]);
    expect(s.requests.getBulk).toBe(0);
    const limited = await sim({ ports: 10, quirks: { dropAbove: 20 } });
    const on = open(limited, silentLogger, { bulk: 'on' });
    await expect(on.poll()).rejects.toMatchObject({ code: 'DCP_SNMP_TIMEOUT' });
    expect(on.sizes).toEqual([25]);
  });

  it('GETs of a few ports stay under the cap too (maxVarbinds: 6 → two rows a request)', async () => {
    const s = await sim({ ports: 48, quirks: { dropAbove: 6 } });
    const sw = open(s, silentLogger, { ports: ['ge-0/0/1', 'ge-0/0/2', 'ge-0/0/3', 'ge-0/0/4', 'ge-0/0/5'], maxVarbinds: 6 });
    const rs = await sw.poll();
    expect(rs.map((r) => r.state)).toEqual(['up', 'up', 'up', 'up', 'up']);
    expect(s.requests.dropped).toBe(0);
  });

  it('the agent exports the size in use as dcprobe_agent_snmp_max_repetitions{target}', async () => {
    const s = await sim({ ports: 48, quirks: { dropAbove: 20 } });
    const { dir, cleanup } = tempDir('dcp-sizing-');
    onTestFinished(cleanup);
    const c = await startFakeCollector({ token: 'agent-token-0123456789abcdef' });
    onTestFinished(() => c.close());
    const agent = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [c.url], token: 'agent-token-0123456789abcdef', dataDir: join(dir, 'data'),
      targets: [{ kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: s.port, community: 'public', ports: 'all', timeoutMs: 150, retries: 0, intervalSeconds: 3600 }],
    }), { log: silentLogger, processMetrics: false });
    onTestFinished(() => agent.close());
    await until(() => c.store.events.size === 50, 10_000, 'initial states of 48 ports and 2 uplinks');
    expect(await agent.metrics.registry.getSingleMetricAsString('dcprobe_agent_snmp_max_repetitions')).toContain('dcprobe_agent_snmp_max_repetitions{target="sw1"} 4');
  });
});

describe('requests per poll', () => {
  it('a poll of every port is 3 requests at 50 ports: sysUpTime rides in the first, the walk stops at the last port, ifAdminStatus only for ports that moved', async () => {
    const s = await sim({ ports: 48 });
    const sw = open(s);
    await sw.poll(); // discovery
    const before = { ...s.requests };
    const rs = await sw.poll();
    expect(rs).toHaveLength(50);
    expect(rs.every((r) => r.evidence.sysUpTime !== null && r.state === 'up')).toBe(true);
    // 48 varbinds a request: sysUpTime + 2 columns × 23 rows, then 24 and the last 3 rows; nothing moved, so no ifAdminStatus.
    expect({ getBulk: s.requests.getBulk - before.getBulk, get: s.requests.get - before.get, getNext: s.requests.getNext - before.getNext }).toEqual({ getBulk: 3, get: 0, getNext: 0 });
    // A port that moved: its ifAdminStatus is read (one GET), and the event says it was shut.
    s.setAdmin('ge-0/0/9', 'down');
    await s.setOper('ge-0/0/9', 'down');
    const mid = { ...s.requests };
    const after = await sw.poll();
    expect(s.requests.get - mid.get).toBe(1);
    expect(after.find((r) => r.subject === 'sw1/ge-0/0/9')).toMatchObject({ state: 'down', evidence: { ifAdminStatus: 2, admin: 'down' } });
  });

  it('walking with GETNEXT, sysUpTime rides in the first request too', async () => {
    const s = await sim({ ports: 4 });
    const sw = open(s, silentLogger, { bulk: 'off' });
    await sw.poll();
    const before = { ...s.requests };
    const rs = await sw.poll();
    expect(rs.map((r) => r.state)).toEqual(['up', 'up', 'up', 'up', 'up', 'up']);
    expect(rs[0]!.evidence.sysUpTime).toEqual(expect.any(Number));
    expect(s.requests.getNext - before.getNext).toBe(6); // one row a request, none past the last
    expect(s.requests.get - before.get).toBe(0);
  });
});
