/**
 * The nut source against the real upsd + dummy-ups: every transition of the
 * output reaches the source within a few seconds, data-stale and a dead driver
 * read as unknown, and the client keeps one connection across polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { nutSource, nutTargetSchema } from '../../agent/src/sources/nut.ts';
import { NutClient } from '../../agent/src/nut/client.ts';
import { silentLogger } from '../../agent/src/log.ts';
import type { Reading, SourceInstance } from '../../agent/src/sources/types.ts';
import { startNutUpsd, type NutUpsd } from './fixtures/nut.ts';
import { pidAlive, run } from '../support/procs.ts';
import { waitUntil } from '../support/wait.ts';

const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now(), log: silentLogger });

describe('nut source against real upsd + dummy-ups', () => {
  let nut: NutUpsd;
  let src: SourceInstance;

  beforeAll(async () => {
    nut = await startNutUpsd({ ups: ['dev1', 'dev2'], status: 'OL', users: [{ name: 'mon', password: 'e2e pass' }], maxAge: 3 });
    const t = nutTargetSchema.parse({ kind: 'nut', name: 'nut1', host: nut.host, port: nut.port, ups: 'all', timeoutMs: 2000, username: 'mon', password: 'e2e pass', tls: 'try' });
    src = nutSource.open(t, { log: silentLogger, now: () => Date.now() });
  });

  afterAll(async () => {
    src?.close();
    const pids = nut ? [nut.upsdPid, ...Object.values(nut.driverPids())] : [];
    const dir = nut?.dir;
    await nut?.stop();
    // The fixture stopped what it started and cleaned up after itself.
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  async function dev1(): Promise<Reading> {
    const r = (await src.poll(ctx())).find((x) => x.subject === 'nut1/dev1/output');
    if (!r) throw new Error('no reading for dev1');
    return r;
  }

  it('lists both UPSes and reads mains with the raw status as evidence', async () => {
    const rs = await src.poll(ctx());
    expect(rs.map((r) => [r.subject, r.state])).toEqual([['nut1/dev1/output', 'mains'], ['nut1/dev2/output', 'mains']]);
    expect(rs[0]!.evidence).toMatchObject({ 'ups.status': 'OL', 'battery.charge': '100', 'input.voltage': '230.0' });
    expect(rs[0]!.gauges).toMatchObject({ battery_charge_percent: 100, battery_runtime_seconds: 1800 });
  });

  it.each([
    ['OB', 'battery', { 'input.voltage': '0.0', 'battery.charge': '90' }],
    ['OB LB', 'battery', { 'battery.charge': '8', 'battery.runtime': '60' }],
    ['OFF', 'off', { 'output.voltage': '0.0' }],
    ['OL', 'mains', { 'input.voltage': '230.0', 'output.voltage': '230.0' }],
    ['OL BYPASS', 'bypass', {}],
    ['OL CHRG', 'mains', { 'battery.charge': '40' }],
  ] as const)('follows ups.status %j → %s within a few seconds', async (status, state, vars) => {
    const t0 = Date.now();
    await nut.setStatus(status, { ups: 'dev1', vars: { ...vars }, wait: false });
    const r = await waitUntil(`dev1 ${state}`, async () => {
      const x = await dev1();
      return x.state === state && x.evidence['ups.status'] === status ? x : false;
    }, { timeoutMs: 5_000, intervalMs: 100 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    for (const [k, v] of Object.entries(vars)) expect(r.evidence[k]).toBe(v);
  });

  it('kept one connection to upsd across all those polls', async () => {
    const established = await run('ss', ['-Htn', 'state', 'established', `( dport = :${nut.port} )`]);
    expect(established.stdout.trim().split('\n').filter(Boolean)).toHaveLength(1);
    // A second, independent client works alongside it.
    const other = new NutClient({ host: nut.host, port: nut.port, timeoutMs: 2000, tls: 'off' });
    try {
      expect([...(await other.listUps()).keys()]).toEqual(['dev1', 'dev2']);
    } finally {
      other.close();
    }
  });

  it('reads a UPS whose driver stopped answering as unknown (DATA-STALE), and recovers', async () => {
    nut.pauseDriver('dev2');
    try {
      const stale = await waitUntil('dev2 stale', async () => {
        const r = (await src.poll(ctx())).find((x) => x.subject === 'nut1/dev2/output');
        return r?.state === 'unknown' ? r : false;
      }, { timeoutMs: 15_000, intervalMs: 250 });
      expect(stale.evidence).toEqual({ error: 'DATA-STALE' });
    } finally {
      nut.resumeDriver('dev2');
    }
    await waitUntil('dev2 back', async () => (await src.poll(ctx())).find((x) => x.subject === 'nut1/dev2/output')?.state === 'mains', { timeoutMs: 15_000, intervalMs: 250 });
  });

  it('tls require fails against this upsd (built without a certificate), naming its answer', async () => {
    const c = new NutClient({ host: nut.host, port: nut.port, timeoutMs: 2000, tls: 'require' });
    try {
      await expect(c.listUps()).rejects.toMatchObject({ code: 'DCP_NUT_ERROR', nutName: 'FEATURE-NOT-CONFIGURED' });
    } finally {
      c.close();
    }
  });

  it('tls try against this upsd (no TLS): reads in clear and no credential reaches upsd', async () => {
    // A relay in front of upsd records every byte the client sends it.
    const sent: Buffer[] = [];
    const relay = createServer((c) => {
      const u = connect(nut.port, nut.host);
      c.on('data', (d: Buffer) => sent.push(d));
      c.pipe(u).pipe(c);
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const c = new NutClient({ host: '127.0.0.1', port: (relay.address() as AddressInfo).port, timeoutMs: 2000, tls: 'try', username: 'mon', password: 'e2e pass' });
    try {
      expect([...(await c.listUps()).keys()]).toEqual(['dev1', 'dev2']);
      expect([c.tlsActive, c.credentialsWithheld]).toEqual([false, true]);
      const text = Buffer.concat(sent).toString();
      expect(text).toMatch(/^STARTTLS\nLIST UPS\n/);
      expect(text).not.toMatch(/USERNAME|PASSWORD|e2e pass/);
    } finally {
      c.close();
      relay.close();
    }
  });

  it('reads a UPS whose driver died as unknown (DRIVER-NOT-CONNECTED), others unaffected', async () => {
    await nut.stopDriver('dev2');
    const rs = await waitUntil('dev2 unknown', async () => {
      const all = await src.poll(ctx());
      return all.find((r) => r.subject === 'nut1/dev2/output')?.state === 'unknown' ? all : false;
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(rs.find((r) => r.subject === 'nut1/dev2/output')!.evidence).toEqual({ error: 'DRIVER-NOT-CONNECTED' });
    expect(rs.find((r) => r.subject === 'nut1/dev1/output')!.state).toBe('mains');
  });

  it('ends in a clean OL and a probe-style single-UPS target reads it as <name>/output', async () => {
    await nut.setStatus('OL', { ups: 'dev1' });
    const one = nutSource.open(nutSource.probe!.target(nut.host, nut.port, { ups: 'dev1' }), { log: silentLogger, now: () => Date.now() });
    try {
      const [r] = await one.poll(ctx());
      expect(nutSource.probe!.json(r!)).toMatchObject({ subject: `${nut.host}/output`, state: 'mains', evidence: { 'ups.status': 'OL' } });
    } finally {
      one.close();
    }
  });
});
