/**
 * The switch source against the simulated switch (net-snmp's own agent on
 * port 0): v2c and v3, credentials refused quickly, a flip placed at the
 * device's instant, the sysUpTime wrap, and a renumbering reboot.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { E } from '@dcprobe/shared';
import { silentLogger } from '../../../agent/src/log.ts';
import { startSimSwitch, type SimSwitch, type SimSwitchOptions } from '../../../agent/src/sim/switch.ts';
import { openSwitch, switchTargetSchema } from '../../../agent/src/sources/snmp-switch.ts';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import type { Reading } from '../../../agent/src/sources/types.ts';
import type { SnmpV3User } from '../../../agent/src/snmp/types.ts';
import { openSnmp } from '../../../agent/src/snmp/client.ts';
import { DISCOVERY_COLUMNS, IF, STATUS_COLUMNS } from '../../../agent/src/profiles/if-mib.ts';
import { sleep } from '../../support/wait.ts';

async function sim(o: SimSwitchOptions = {}): Promise<SimSwitch> {
  const s = await startSimSwitch(o);
  onTestFinished(() => s.close());
  return s;
}

function open(s: SimSwitch, cfg: Record<string, unknown>): SwitchInstance {
  const target = switchTargetSchema.parse({ kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: s.port, ports: 'all', ...cfg });
  const inst = openSwitch(target, { log: silentLogger, now: Date.now });
  onTestFinished(() => inst.close());
  return inst;
}

const poll = (i: SwitchInstance): Promise<Reading[]> => i.poll({ signal: new AbortController().signal, now: Date.now, log: silentLogger });
const find = (rs: Reading[], ifName: string): Reading => rs.find((r) => r.subject === `sw1/${ifName}`)!;

const sha: SnmpV3User = { name: 'mon', level: 'authPriv', authProtocol: 'sha', authKey: 'authpass-1', privProtocol: 'aes', privKey: 'privpass-1' };
const sha256: SnmpV3User = { ...sha, name: 'mon256', authProtocol: 'sha256' };

describe('snmp-switch against the sim switch', () => {
  it('v2c: every interface, all up, with names and customer descriptions', async () => {
    const s = await sim();
    const rs = await poll(open(s, { community: 'public' }));
    expect(rs).toHaveLength(50);
    expect(rs.every((r) => r.state === 'up')).toBe(true);
    expect(find(rs, 'ge-0/0/7').evidence).toMatchObject({ ifIndex: 7, ifAlias: 'CUST:cust-07', ifDescr: 'GigabitEthernet ge-0/0/7' });
    expect(find(rs, 'xe-0/1/1').evidence).toMatchObject({ ifIndex: 50, ifAlias: 'UPLINK:core-b' });
  });

  it.each([['SHA/AES', sha], ['SHA-256/AES', sha256]])('v3 authPriv %s', async (_, user) => {
    const s = await sim({ v3User: user });
    const rs = await poll(open(s, { version: '3', user, ports: { aliasPattern: '^CUST:cust-0[1-4]$' } }));
    expect(rs.map((r) => r.subject)).toEqual(['sw1/ge-0/0/1', 'sw1/ge-0/0/2', 'sw1/ge-0/0/3', 'sw1/ge-0/0/4']);
  });

  it('a wrong community times out within the configured budget', async () => {
    const s = await sim();
    const t0 = Date.now();
    await expect(poll(open(s, { community: 'wrong', timeoutMs: 200, retries: 1 })))
      .rejects.toMatchObject({ code: E.SNMP_TIMEOUT, message: `no response from 127.0.0.1:${s.port} after 2 tries` });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a wrong v3 key is refused quickly, and the key is not in the message', async () => {
    const s = await sim({ v3User: sha });
    const t0 = Date.now();
    const err = await poll(open(s, { version: '3', user: { ...sha, authKey: 'not-the-key' }, timeoutMs: 200, retries: 0 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^(DCP_SNMP_TIMEOUT|DCP_SNMP_AUTH)$/) });
    expect(String((err as Error).message)).not.toMatch(/not-the-key|authpass|privpass/);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('an unknown v3 user is an auth error, not a timeout', async () => {
    const s = await sim({ v3User: sha });
    await expect(poll(open(s, { version: '3', user: { ...sha, name: 'nobody' }, timeoutMs: 200, retries: 0 })))
      .rejects.toMatchObject({ code: E.SNMP_AUTH });
  });

  it('a flip between polls is placed at the instant the switch changed, not at the poll', async () => {
    const s = await sim();
    const sw = open(s, { community: 'public', ports: ['ge-0/0/5'] });
    await poll(sw);
    await sleep(300);
    const before = Date.now();
    await s.setOper('ge-0/0/5', 'down');
    const after = Date.now();
    await sleep(700);
    const r = find(await poll(sw), 'ge-0/0/5');
    expect(r.state).toBe('down');
    // sysUpTime counts centiseconds: allow one tick and the round trip either side.
    expect(r.since).toBeGreaterThanOrEqual(before - 30);
    expect(r.since).toBeLessThanOrEqual(after + 30);
  });

  it('a flip across the sysUpTime wrap is placed right', async () => {
    const s = await sim({ initialUptime: 2 ** 32 - 50 }); // wraps 0.5 s after start
    const sw = open(s, { community: 'public', ports: ['ge-0/0/5'] });
    await poll(sw);
    await sleep(800);
    expect(s.uptime()).toBeLessThan(1000);
    const before = Date.now();
    await s.setOper('ge-0/0/5', 'down');
    const after = Date.now();
    await sleep(300);
    const r = find(await poll(sw), 'ge-0/0/5');
    expect(r.since).toBeGreaterThanOrEqual(before - 30);
    expect(r.since).toBeLessThanOrEqual(after + 30);
  });

  it('after a renumbering reboot, each subject still reads its own port', async () => {
    // Up for an hour before the reboot, as a real switch would be: a sim started a few ms
    // ago could read a post-reboot sysUpTime no lower than its first one on a loaded machine.
    const s = await sim({ initialUptime: 360_000 });
    await s.setOper('ge-0/0/2', 'down');
    const sw = open(s, { community: 'public', ports: ['ge-0/0/1', 'ge-0/0/2'] });
    const first = await poll(sw);
    expect(find(first, 'ge-0/0/2')).toMatchObject({ state: 'down', evidence: { ifIndex: 2 } });
    await sleep(50);
    s.reboot({ renumber: true });
    const rs = await poll(sw);
    // ifIndex 2 now belongs to ge-0/0/1: a poller that trusted the old map would call it down.
    expect(find(rs, 'ge-0/0/1')).toMatchObject({ state: 'up', evidence: { ifIndex: 2 } });
    expect(find(rs, 'ge-0/0/2')).toMatchObject({ state: 'down', evidence: { ifIndex: 3 } });
  });

  it('v1 (GETNEXT walks) reads the same as v2c', async () => {
    const s = await sim();
    await s.setOper('ge-0/0/9', 'down');
    const v1 = await poll(open(s, { version: '1', community: 'public' }));
    const v2 = await poll(open(s, { community: 'public' }));
    const strip = (rs: Reading[]) => rs.map((r) => ({ subject: r.subject, state: r.state, ifIndex: r.evidence.ifIndex }));
    expect(strip(v1)).toEqual(strip(v2));
    expect(find(v1, 'ge-0/0/9').state).toBe('down');
  });

  it('the sim\'s fast OID index answers exactly as net-snmp\'s own agent does', async () => {
    const walkAll = async (s: SimSwitch) => {
      const c = openSnmp({ host: '127.0.0.1', port: s.port, version: '2c', community: 'public', timeoutMs: 5000, retries: 0, maxRepetitions: 7, maxVarbinds: 48, bulk: 'auto' });
      try {
        const cols = await c.walk([...DISCOVERY_COLUMNS, IF.ifAdminStatus, ...STATUS_COLUMNS]);
        const past = await c.walk([IF.ifAlias]); // runs off the end of the MIB
        return { cols: [...cols.entries()], past: [...past.entries()] };
      } finally { c.close(); }
    };
    const fast = await walkAll(await sim({ ports: 60 }));
    const slow = await walkAll(await sim({ ports: 60, fastMib: false }));
    expect(fast.cols.map(([, v]) => v.length)).toEqual([62, 62, 62, 62, 62, 62]);
    expect(fast).toEqual(slow);
  });

  it('a port already taken fails the start with the bind error', async () => {
    const s = await sim();
    await expect(startSimSwitch({ port: s.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('reads 1000 interfaces', async () => {
    const s = await sim({ ports: 1000 });
    const rs = await poll(open(s, { community: 'public' }));
    expect(rs).toHaveLength(1002);
    expect(find(rs, 'ge-20/0/40').evidence.ifIndex).toBe(1000);
  });
});
