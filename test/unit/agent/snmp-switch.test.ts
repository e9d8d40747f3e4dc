import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DcprobeError, E } from '@dcprobe/shared';
import { DISCOVERY_COLUMNS, IF, STATUS_COLUMNS, SYS_UPTIME, TRAP } from '../../../agent/src/profiles/if-mib.ts';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import { Device, bySubject, standardRows } from './snmp-switch-device.ts';
import { sleep } from '../../support/wait.ts';

const open: SwitchInstance[] = [];
afterEach(() => { open.splice(0).forEach((i) => i.close()); });

function setup(cfg: Record<string, unknown> = {}, rows = standardRows()): { dev: Device; sw: SwitchInstance } {
  const dev = new Device();
  dev.uptime = 500_000;
  dev.rows(rows);
  const sw = dev.open(cfg);
  open.push(sw);
  return { dev, sw };
}

describe('snmp-switch: state from ifOperStatus (RFC 2863)', () => {
  it.each([
    [1, 'up'], [2, 'down'], [3, 'down'], [4, 'unknown'], [5, 'down'], [6, 'down'], [7, 'down'],
    // Outside the MIB's range: never guessed down.
    [0, 'unknown'], [8, 'unknown'],
  ])('ifOperStatus %i → %s', async (oper, state) => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    dev.set(IF.ifOperStatus, 1, oper);
    const [r] = await dev.poll(sw);
    expect(r).toMatchObject({ subject: 'sw1/ge-0/0/1', kind: 'port', state });
  });

  it('keeps the raw readings as evidence', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/2'] });
    dev.set(IF.ifOperStatus, 2, 2);
    dev.set(IF.ifAdminStatus, 2, 1);
    dev.set(IF.ifLastChange, 2, 1234);
    const [r] = await dev.poll(sw);
    expect(r!.evidence).toEqual({
      ifIndex: 2, ifName: 'ge-0/0/2', ifAlias: 'CUST:cust-02', ifDescr: 'port 2',
      ifOperStatus: 2, ifAdminStatus: 1, admin: 'up', ifLastChange: 1234, sysUpTime: 500_000,
    });
  });

  it('ifAdminStatus is read again for a port a trap named and for every port after a failed poll, so an event never carries a stale one', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/2', 'ge-0/0/3'] });
    const adminGets = () => dev.fake.asked.filter((a) => a.op === 'get' && a.oids.some((o) => o.startsWith(`${IF.ifAdminStatus}.`))).flatMap((a) => a.oids);
    await dev.poll(sw);
    // Shut while nothing else moved: a poll alone does not read it again.
    dev.set(IF.ifAdminStatus, 2, 2);
    dev.fake.asked.length = 0;
    expect((await dev.poll(sw)).find((r) => r.subject === 'sw1/ge-0/0/2')!.evidence).toMatchObject({ admin: 'up' });
    expect(adminGets()).toEqual([]);
    // A trap names the port: the next poll reads its ifAdminStatus (only its own).
    sw.onTrap({ from: '192.0.2.10', receivedAt: dev.now, version: '2c', trapOid: TRAP.linkDown, uptime: null,
      varbinds: [{ oid: `${IF.ifIndex}.2`, type: 2, value: 2 }, { oid: `${IF.ifOperStatus}.2`, type: 2, value: 2 }] });
    dev.fake.asked.length = 0;
    expect((await dev.poll(sw)).find((r) => r.subject === 'sw1/ge-0/0/2')!.evidence).toMatchObject({ ifAdminStatus: 2, admin: 'down' });
    expect(adminGets()).toEqual([`${IF.ifAdminStatus}.2`]);
    // A failed poll: the next one reads every port's.
    dev.set(IF.ifAdminStatus, 3, 3);
    dev.fake.fail = new DcprobeError(E.SNMP_TIMEOUT, 'no response');
    await expect(dev.poll(sw)).rejects.toMatchObject({ code: E.SNMP_TIMEOUT });
    dev.fake.fail = null;
    dev.fake.asked.length = 0;
    expect((await dev.poll(sw)).find((r) => r.subject === 'sw1/ge-0/0/3')!.evidence).toMatchObject({ ifAdminStatus: 3, admin: 'testing' });
    expect(adminGets().sort()).toEqual([`${IF.ifAdminStatus}.2`, `${IF.ifAdminStatus}.3`]);
  });

  it('a row that stops answering reads unknown after re-learning the table', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/3'] });
    await dev.poll(sw);
    dev.fake.values.delete(`${IF.ifOperStatus}.3`);
    dev.fake.asked.length = 0;
    const [r] = await dev.poll(sw);
    expect(r!.state).toBe('unknown');
    expect(dev.fake.asked.filter((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toHaveLength(1);
    // A row that never answers again costs no further walk within the minute.
    dev.fake.asked.length = 0;
    dev.tick(30_000, 503_000);
    await dev.poll(sw);
    expect(dev.fake.asked.filter((a) => a.op === 'walk')).toHaveLength(0);
    dev.tick(31_000, 506_100);
    await dev.poll(sw);
    expect(dev.fake.asked.filter((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toHaveLength(1);
  });

  it('an unreachable device throws the client\'s coded error', async () => {
    const { dev, sw } = setup();
    dev.fake.fail = new DcprobeError(E.SNMP_TIMEOUT, 'no response from 192.0.2.10:161 after 2 tries');
    await expect(dev.poll(sw)).rejects.toMatchObject({ code: E.SNMP_TIMEOUT });
  });
});

describe('snmp-switch: a device that does not serve sysUpTime.0', () => {
  it('is still read, untimed, with one warning naming the device', async () => {
    const lines: { msg: string; device?: string }[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    const dev = new Device();
    dev.rows(standardRows());
    dev.set(IF.ifOperStatus, 3, 2);
    dev.set(IF.ifLastChange, 3, 400);
    const sw = dev.open({ ports: ['ge-0/0/3'] }, log);
    open.push(sw);
    const [r] = await dev.poll(sw);
    expect(r).toMatchObject({ subject: 'sw1/ge-0/0/3', state: 'down', evidence: { sysUpTime: null, ifLastChange: 400 } });
    expect(r!.since).toBeUndefined();
    await dev.poll(sw);
    expect(lines.map((l) => l.msg)).toEqual(['192.0.2.10:161 does not serve sysUpTime.0: port changes are timed by the poll, and a reboot that renumbers ifIndex is only caught by the rediscovery schedule']);
  });
});

describe('snmp-switch: since from ifLastChange against sysUpTime', () => {
  it('places a change between polls at the device\'s instant, not the poll\'s', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    const first = bySubject(await dev.poll(sw)).get('sw1/ge-0/0/1')!;
    expect(first.since).toBeUndefined(); // ifLastChange 0: nothing to place
    const t0 = dev.now;
    // 30 s later; the port went down 12.34 s after the first poll.
    dev.tick(30_000, 500_000 + 3000);
    dev.set(IF.ifOperStatus, 1, 2);
    dev.set(IF.ifLastChange, 1, 500_000 + 1234);
    const [r] = await dev.poll(sw);
    expect(r).toMatchObject({ state: 'down', since: t0 + 12_340 });
  });

  it('crosses the 2^32 centisecond wrap of sysUpTime without calling it a reboot', async () => {
    const start = 2 ** 32 - 1000;
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    dev.uptime = start;
    await dev.poll(sw);
    const t0 = dev.now;
    dev.fake.asked.length = 0;
    // Change 8 s after the first poll (before the wrap), polled 20 s after it (after the wrap).
    dev.tick(20_000, (start + 2000) % 2 ** 32);
    dev.set(IF.ifOperStatus, 1, 2);
    dev.set(IF.ifLastChange, 1, start + 800);
    const [r] = await dev.poll(sw);
    expect(r!.since).toBe(t0 + 8000);
    expect(dev.fake.asked.some((a) => a.op === 'walk')).toBe(false);
  });

  it('places a change after the wrap too', async () => {
    const start = 2 ** 32 - 1000;
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    dev.uptime = start;
    await dev.poll(sw);
    const t0 = dev.now;
    dev.tick(20_000, (start + 2000) % 2 ** 32);
    dev.set(IF.ifLastChange, 1, 500); // 15 s after t0, after the counter wrapped
    const [r] = await dev.poll(sw);
    expect(r!.since).toBe(t0 + 15_000);
  });

  it('gives no since for a change older than the agent\'s first poll', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    dev.set(IF.ifLastChange, 1, 400_000); // 1000 s before the first poll
    const [r] = await dev.poll(sw);
    expect(r!.since).toBeUndefined();
    expect(r!.evidence.ifLastChange).toBe(400_000);
  });

  it('a change between the sysUpTime read and the row read is placed at the read', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    await dev.poll(sw);
    dev.tick(30_000, 503_000);
    dev.set(IF.ifLastChange, 1, 503_002); // 20 ms "ahead" of the sysUpTime sample
    const [r] = await dev.poll(sw);
    expect(r!.since).toBe(dev.now);
  });
});

describe('snmp-switch: discovery and rediscovery', () => {
  it('learns names on the first poll, then polls only status', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1', 'ge-0/0/2'] });
    await dev.poll(sw);
    // A small GET first, so a device that cannot answer the walk is known to be alive.
    expect(dev.fake.asked.slice(0, 2)).toEqual([{ op: 'get', oids: [SYS_UPTIME] }, { op: 'walk', oids: [...DISCOVERY_COLUMNS] }]);
    const gets = dev.fake.asked.filter((a) => a.op === 'get');
    expect(gets).toContainEqual({ op: 'get', oids: [SYS_UPTIME] });
    // sysUpTime in the same GET as the rows.
    expect(gets).toContainEqual({ op: 'get', oids: [SYS_UPTIME, ...[1, 2].flatMap((i) => STATUS_COLUMNS.map((c) => `${c}.${i}`))] });
    dev.fake.asked.length = 0;
    dev.tick(30_000, 503_000);
    await dev.poll(sw);
    expect(dev.fake.asked.every((a) => a.op === 'get')).toBe(true);
  });

  it('walks the status columns when most of the table is polled', async () => {
    const { dev, sw } = setup({ ports: 'all' });
    await dev.poll(sw);
    // sysUpTime rides in the walk's first request (a non-repeater after …1.3, so sysUpTime.0).
    expect(dev.fake.asked).toContainEqual({ op: 'walk', oids: [...STATUS_COLUMNS], scalars: ['1.3.6.1.2.1.1.3'] });
  });

  it('re-learns ifIndex when sysUpTime goes backwards (a reload renumbered the ports)', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'], uplinks: ['xe-0/1/0'] });
    expect(bySubject(await dev.poll(sw)).get('sw1/ge-0/0/1')!.evidence.ifIndex).toBe(1);
    // Reload: ifIndex 1 is now the uplink, ge-0/0/1 moved to 101 and is down.
    dev.tick(60_000, 3000);
    dev.rows([
      { ifIndex: 1, ifName: 'xe-0/1/0', ifAlias: 'UPLINK:core-a' },
      { ifIndex: 101, ifName: 'ge-0/0/1', ifAlias: 'CUST:cust-01', oper: 2, lastChange: 2500 },
    ]);
    dev.fake.asked.length = 0;
    const rs = bySubject(await dev.poll(sw));
    expect(rs.get('sw1/ge-0/0/1')).toMatchObject({ state: 'down', evidence: { ifIndex: 101 } });
    expect(rs.get('sw1/xe-0/1/0')).toMatchObject({ state: 'up', evidence: { ifIndex: 1 } });
    expect(dev.fake.asked.filter((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toHaveLength(1);
  });

  it('re-learns when sysUpTime advanced far less than the wall clock (rebooted while unreachable)', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'] });
    await dev.poll(sw);
    dev.fake.asked.length = 0;
    dev.tick(3_600_000, 500_000 + 100_000); // an hour passed, the device counted 1000 s
    await dev.poll(sw);
    expect(dev.fake.asked.filter((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toHaveLength(1);
  });

  it('re-learns on the cron schedule', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1'], rediscover: '* * * * * *' });
    await dev.poll(sw);
    dev.fake.asked.length = 0;
    await sleep(1100);
    dev.tick(1100, 500_110);
    await dev.poll(sw);
    expect(dev.fake.asked[1]).toEqual({ op: 'walk', oids: [...DISCOVERY_COLUMNS] });
  });

  it('names an interface by ifDescr when the device has no ifName', async () => {
    const { dev, sw } = setup({ ports: 'all' }, [{ ifIndex: 7, ifDescr: 'eth0' }, { ifIndex: 8, ifName: '', ifDescr: 'eth1' }]);
    const rs = await dev.poll(sw);
    expect(rs.map((r) => r.subject)).toEqual(['sw1/eth0', 'sw1/eth1']);
  });
});

describe('snmp-switch: port selection', () => {
  const subjects = async (cfg: Record<string, unknown>): Promise<string[]> => {
    const { dev, sw } = setup(cfg);
    return (await dev.poll(sw)).map((r) => r.subject);
  };

  it('all: every interface', async () => {
    expect(await subjects({ ports: 'all' })).toHaveLength(50);
  });

  it('a list of ifNames, plus uplinks, in ifIndex order', async () => {
    expect(await subjects({ ports: ['ge-0/0/7', 'ge-0/0/3'], uplinks: ['xe-0/1/1'] }))
      .toEqual(['sw1/ge-0/0/3', 'sw1/ge-0/0/7', 'sw1/xe-0/1/1']);
  });

  it('an ifAlias pattern, plus uplinks', async () => {
    const got = await subjects({ ports: { aliasPattern: '^CUST:cust-0[1-3]$' }, uplinks: ['xe-0/1/0', 'xe-0/1/1'] });
    expect(got).toEqual(['sw1/ge-0/0/1', 'sw1/ge-0/0/2', 'sw1/ge-0/0/3', 'sw1/xe-0/1/0', 'sw1/xe-0/1/1']);
  });

  it('a configured port the device lacks reads unknown, never down', async () => {
    const { dev, sw } = setup({ ports: ['ge-0/0/1', 'ge-9/9/9'] });
    const rs = bySubject(await dev.poll(sw));
    expect(rs.get('sw1/ge-9/9/9')).toMatchObject({ state: 'unknown', evidence: { missing: true, ifAdminStatus: null, admin: null } });
  });
});
