import { afterEach, describe, expect, it } from 'vitest';
import { IF, SYS_UPTIME, TRAP } from '../../../agent/src/profiles/if-mib.ts';
import { isRestart, parseTrap } from '../../../agent/src/switch/trap-map.ts';
import { normAddress } from '../../../agent/src/snmp/address.ts';
import type { Notification } from '../../../agent/src/snmp/types.ts';
import { trapRouter, type OpenTarget } from '../../../agent/src/agent-traps.ts';
import { Device, standardRows } from './snmp-switch-device.ts';

const V2 = 167, V1 = 164, INT = 2, OID = 6, TICKS = 67;
const trapOid = (oid: string) => ({ oid: TRAP.snmpTrapOID, type: OID, value: oid });
const uptime = (t: number) => ({ oid: SYS_UPTIME, type: TICKS, value: t });
const int = (oid: string, value: number) => ({ oid, type: INT, value });

describe('parseTrap: linkDown / linkUp as devices send them (RFC 2863 §6)', () => {
  it('standard v2c linkDown: ifIndex, ifAdminStatus, ifOperStatus', () => {
    const t = parseTrap({ type: V2, varbinds: [
      uptime(1234), trapOid(TRAP.linkDown), int(`${IF.ifIndex}.17`, 17), int(`${IF.ifAdminStatus}.17`, 1), int(`${IF.ifOperStatus}.17`, 2),
    ] });
    expect(t).toMatchObject({ kind: 'linkDown', ifIndex: 17, adminStatus: 1, operStatus: 2, state: 'down', uptime: 1234 });
  });

  it('ifIndex missing: taken from the index of ifOperStatus', () => {
    const t = parseTrap({ type: V2, varbinds: [uptime(1), trapOid(TRAP.linkUp), int(`${IF.ifOperStatus}.23`, 1)] });
    expect(t).toMatchObject({ kind: 'linkUp', ifIndex: 23, state: 'up' });
  });

  it('ifIndex missing: taken from the index of ifAdminStatus', () => {
    const t = parseTrap({ type: V2, varbinds: [trapOid(TRAP.linkDown), int(`${IF.ifAdminStatus}.5`, 2)] });
    expect(t).toMatchObject({ kind: 'linkDown', ifIndex: 5, state: 'down' });
  });

  it('ifIndex sent without an instance: its value is the index', () => {
    const t = parseTrap({ type: V2, varbinds: [trapOid(TRAP.linkDown), int(IF.ifIndex, 9)] });
    expect(t.ifIndex).toBe(9);
  });

  it('OIDs with a leading dot', () => {
    const t = parseTrap({ type: V2, varbinds: [
      { oid: `.${TRAP.snmpTrapOID}`, type: OID, value: `.${TRAP.linkUp}` }, int(`.${IF.ifIndex}.4`, 4),
    ] });
    expect(t).toMatchObject({ kind: 'linkUp', ifIndex: 4 });
  });

  it('a linkUp whose ifOperStatus says dormant announces down', () => {
    const t = parseTrap({ type: V2, varbinds: [trapOid(TRAP.linkUp), int(`${IF.ifIndex}.3`, 3), int(`${IF.ifOperStatus}.3`, 5)] });
    expect(t.state).toBe('down');
  });

  it('SNMPv1: generic-trap 2 is linkDown, its time-stamp the uptime', () => {
    const t = parseTrap({ type: V1, generic: 2, enterprise: '1.3.6.1.4.1.9', upTime: 777, varbinds: [int(`${IF.ifIndex}.12`, 12)] });
    expect(t).toMatchObject({ kind: 'linkDown', trapOid: TRAP.linkDown, ifIndex: 12, uptime: 777, state: 'down' });
  });

  it('coldStart and vendor traps are other; only restarts say so', () => {
    const cold = parseTrap({ type: V2, varbinds: [trapOid(TRAP.coldStart)] });
    expect(cold).toMatchObject({ kind: 'other', state: null, ifIndex: null });
    expect(isRestart(cold)).toBe(true);
    const vendor = parseTrap({ type: V2, varbinds: [trapOid('1.3.6.1.4.1.9.9.41.2.0.1'), int(`${IF.ifOperStatus}.3`, 2)] });
    expect(vendor).toMatchObject({ kind: 'other', state: null, ifIndex: 3 });
    expect(isRestart(vendor)).toBe(false);
  });
});

/** A linkDown for ifIndex as the receiver hands it on (sender already normalised). */
function linkDown(ifIndex: number | null, uptimeTicks: number | null, receivedAt: number, from = '192.0.2.10'): Notification {
  return {
    from, receivedAt, version: '2c', trapOid: TRAP.linkDown, uptime: uptimeTicks,
    varbinds: ifIndex === null ? [] : [int(`${IF.ifIndex}.${ifIndex}`, ifIndex), int(`${IF.ifOperStatus}.${ifIndex}`, 2)],
  };
}

describe('trap routing: from a sender and an ifIndex to <switch>/<ifName>', () => {
  const open: OpenTarget[] = [];
  const route = trapRouter(() => open);
  afterEach(() => { open.splice(0).forEach((t) => t.instance.close()); });

  async function polledSwitch(cfg: Record<string, unknown>) {
    const dev = new Device();
    dev.uptime = 500_000;
    dev.rows(standardRows());
    const sw = dev.open(cfg);
    open.push({ name: sw.name, instance: sw });
    await dev.poll(sw);
    return { dev, sw };
  }
  const detail = (r: ReturnType<typeof route>, n: Notification) => r!.handle(n).detail;

  it('maps a polled port, names but does not subject an unpolled one, and knows nothing of unknown ifIndex', async () => {
    const { dev } = await polledSwitch({ name: 'sw1', host: '192.0.2.10', ports: ['ge-0/0/4'] });
    const r = route('192.0.2.10', {})!;
    expect(r.target).toBe('sw1');
    const at = dev.now + 1000;
    expect(r.handle(linkDown(4, 500_100, at))).toMatchObject({
      pollNow: true, detail: { subject: 'sw1/ge-0/0/4', ifName: 'ge-0/0/4' },
      readings: [{ subject: 'sw1/ge-0/0/4', kind: 'port', state: 'down', via: 'trap', evidence: { trap: 'linkDown', ifIndex: 4, from: '192.0.2.10', ifAdminStatus: 1, admin: 'up' } }],
    });
    // A trap that carries ifAdminStatus says it itself: shut administratively.
    const shut = linkDown(4, 500_100, at);
    shut.varbinds.push(int(`${IF.ifAdminStatus}.4`, 2));
    expect(r.handle(shut).readings[0]!.evidence).toMatchObject({ ifAdminStatus: 2, admin: 'down' });
    expect(r.handle(linkDown(5, 500_100, at))).toMatchObject({ readings: [], pollNow: true, detail: { subject: null, ifName: 'ge-0/0/5' } });
    expect(detail(r, linkDown(999, 500_100, at))).toMatchObject({ subject: null, ifName: null });
    expect(detail(r, linkDown(null, null, dev.now))).toMatchObject({ subject: null, ifName: null });
  });

  it('drops senders that are not configured; one normaliser for the receiver and the config', async () => {
    await polledSwitch({ name: 'sw1', host: '192.0.2.10', ports: 'all', trapFrom: ['198.51.100.7'] });
    expect(route('192.0.2.99', {})).toBeNull();
    expect(route(normAddress('::ffff:192.0.2.10'), {})?.target).toBe('sw1');
    expect(route('198.51.100.7', {})?.target).toBe('sw1');
    expect(normAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
    expect(normAddress('2001:0DB8:0:0::1')).toBe('2001:db8::1');
    expect(normAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(normAddress('192.0.2.1')).toBe('192.0.2.1');
  });

  it('a switch configured by a long IPv6 form claims traps from its canonical address', async () => {
    await polledSwitch({ name: 'sw6', host: '2001:0DB8:0:0::10', ports: 'all' });
    expect(route(normAddress('2001:db8::10'), {})?.target).toBe('sw6');
  });

  it('tells apart two switches behind one address by community', async () => {
    await polledSwitch({ name: 'swA', host: '127.0.0.1', community: 'alpha', ports: 'all' });
    await polledSwitch({ name: 'swB', host: '127.0.0.1', community: 'bravo', ports: 'all' });
    expect(route('127.0.0.1', { community: 'bravo' })?.target).toBe('swB');
    expect(route('127.0.0.1', { community: 'alpha' })?.target).toBe('swA');
    expect(route('127.0.0.1', { community: 'other' })?.target).toBe('swA');
  });

  it('a trap from after a reboot maps to no subject and makes the next poll re-learn ifIndex', async () => {
    const { dev, sw } = await polledSwitch({ name: 'sw1', host: '192.0.2.10', ports: 'all' });
    expect(route('192.0.2.10', {})!.handle(linkDown(4, 200, dev.now + 60_000))).toMatchObject({ readings: [], detail: { subject: null, ifName: null } });
    dev.fake.asked.length = 0;
    dev.tick(60_000, 500_000 + 6000);
    await dev.poll(sw);
    expect(dev.fake.asked.some((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toBe(true);
  });

  it('a coldStart makes the next poll re-learn ifIndex', async () => {
    const { dev, sw } = await polledSwitch({ name: 'sw1', host: '192.0.2.10', ports: 'all' });
    route('192.0.2.10', {})!.handle({ ...linkDown(null, 500_050, dev.now), trapOid: TRAP.coldStart });
    dev.fake.asked.length = 0;
    dev.tick(1000, 500_100);
    await dev.poll(sw);
    expect(dev.fake.asked.some((a) => a.op === 'walk' && a.oids.includes(IF.ifName))).toBe(true);
  });

  it('an instance of a kind without trap handling never claims a trap', async () => {
    open.push({ name: 'quiet', instance: { poll: async () => [], close() {} } });
    expect(route('192.0.2.10', {})).toBeNull();
  });
});
