import { describe, expect, it } from 'vitest';
import { fakeSnmp } from '../../../agent/src/snmp/fake.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { OID, alarmName, upsTrapKind } from '../../../agent/src/profiles/ups-mib.ts';
import { decodeUps, openUps, snmpUps, upsTargetSchema } from '../../../agent/src/sources/snmp-ups.ts';
import { normAddress } from '../../../agent/src/snmp/address.ts';
import { trapRouter } from '../../../agent/src/agent-traps.ts';
import type { Notification } from '../../../agent/src/snmp/types.ts';

const INT = 2, OIDT = 6, GAUGE = 66;
const deps = { log: silentLogger, now: () => 0 };
const ctx = { signal: new AbortController().signal, now: () => 0, log: silentLogger };
const target = (extra: Record<string, unknown> = {}) => upsTargetSchema.parse({ kind: 'snmp-ups', name: 'ups1', host: '127.0.0.1', community: 'public', ...extra });

function upsFake(source: number | null) {
  const f = fakeSnmp();
  if (source !== null) f.set(OID.upsOutputSource, INT, source);
  f.set(OID.upsBatteryStatus, INT, 2);
  f.set(OID.upsSecondsOnBattery, INT, 0);
  f.set(OID.upsEstimatedMinutesRemaining, INT, 42);
  f.set(OID.upsEstimatedChargeRemaining, INT, 97);
  f.set(OID.upsInputLineBads, 65, 3);
  f.set(OID.upsAlarmsPresent, GAUGE, 0);
  f.set(`${OID.upsInputEntry}.2.1`, INT, 500);
  f.set(`${OID.upsInputEntry}.3.1`, INT, 231);
  f.set(`${OID.upsInputEntry}.4.1`, INT, 15);
  f.set(`${OID.upsInputEntry}.5.1`, INT, 345);
  f.set(`${OID.upsOutputEntry}.2.1`, INT, 230);
  f.set(`${OID.upsOutputEntry}.5.1`, INT, 18);
  return f;
}

describe('upsOutputSource → power state', () => {
  it.each([
    [1, 'other', 'unknown'],
    [2, 'none', 'off'],
    [3, 'normal', 'mains'],
    [4, 'bypass', 'bypass'],
    [5, 'battery', 'battery'],
    [6, 'booster', 'mains'],
    [7, 'reducer', 'mains'],
    [0, 'outOfRange', 'unknown'],
    [99, 'outOfRange', 'unknown'],
  ])('%i (%s) → %s', async (value, name, state) => {
    const f = upsFake(value);
    const [r] = await openUps(target(), deps, { client: () => f }).poll(ctx);
    expect(r).toMatchObject({ subject: 'ups1/output', kind: 'power', state, evidence: { upsOutputSource: value, upsOutputSourceName: name } });
  });

  it('no answer for upsOutputSource (noSuchObject) → unknown, other readings kept', async () => {
    const [r] = await openUps(target(), deps, { client: () => upsFake(null) }).poll(ctx);
    expect(r!.state).toBe('unknown');
    expect(r!.evidence).toMatchObject({ upsOutputSource: null, upsEstimatedChargeRemaining: 97 });
  });

  it('a timeout propagates as the coded SNMP error (the poll loop marks unknown)', async () => {
    const f = upsFake(3);
    f.fail = Object.assign(new Error('no response'), { code: 'DCP_SNMP_TIMEOUT' });
    await expect(openUps(target(), deps, { client: () => f }).poll(ctx)).rejects.toMatchObject({ code: 'DCP_SNMP_TIMEOUT' });
  });
});

describe('UPS evidence and gauges', () => {
  it('reads scalars, scaled line tables and asks for exactly one GET and one walk', async () => {
    const f = upsFake(3);
    const [r] = await openUps(target(), deps, { client: () => f }).poll(ctx);
    expect(r!.evidence).toMatchObject({
      upsBatteryStatus: 2, upsBatteryStatusName: 'batteryNormal', upsSecondsOnBattery: 0,
      upsEstimatedMinutesRemaining: 42, upsEstimatedChargeRemaining: 97, upsInputLineBads: 3, upsAlarmsPresent: 0,
      input: [{ line: 1, frequency: 50, voltage: 231, current: 1.5, truePower: 345 }],
      output: [{ line: 1, voltage: 230, percentLoad: 18 }],
      alarms: [],
    });
    expect(r!.gauges).toEqual({
      seconds_on_battery: 0, battery_runtime_seconds: 2520, battery_charge_percent: 97, input_line_bads: 3, alarms_present: 0,
      input_line1_frequency_hertz: 50, input_line1_voltage_volts: 231, input_line1_current_amperes: 1.5, input_line1_power_watts: 345,
      output_line1_voltage_volts: 230, output_line1_load_percent: 18,
    });
    expect(f.asked.map((a) => a.op)).toEqual(['get', 'walk']);
    expect(f.asked[1]!.oids).toContain(OID.upsAlarmDescr);
  });

  it('names present alarms from upsAlarmDescr, keeping unknown OIDs as they are', () => {
    const cols = new Map([[OID.upsAlarmDescr, [
      { oid: `${OID.upsAlarmDescr}.1`, type: OIDT, value: '1.3.6.1.2.1.33.1.6.3.2' },
      { oid: `${OID.upsAlarmDescr}.2`, type: OIDT, value: '1.3.6.1.2.1.33.1.6.3.14' },
      { oid: `${OID.upsAlarmDescr}.3`, type: OIDT, value: '1.3.6.1.4.1.318.9.9' },
    ]]]);
    const r = decodeUps('u/output', [{ oid: OID.upsOutputSource, type: INT, value: 2 }], cols);
    expect(r.state).toBe('off');
    expect(r.evidence.alarms).toEqual(['upsAlarmOnBattery', 'upsAlarmUpsOutputOff', '1.3.6.1.4.1.318.9.9']);
  });
});

describe('UPS-MIB tables', () => {
  it.each([
    ['1.3.6.1.2.1.33.1.6.3.2', 'upsAlarmOnBattery'],
    ['.1.3.6.1.2.1.33.1.6.3.6', 'upsAlarmInputBad'],
    ['1.3.6.1.2.1.33.1.6.3.8', 'upsAlarmOutputOverload'],
    ['1.3.6.1.2.1.33.1.6.3.14', 'upsAlarmUpsOutputOff'],
    ['1.3.6.1.2.1.33.1.6.3.24', 'upsAlarmTestInProgress'],
    ['1.3.6.1.2.1.33.1.6.3.25', '1.3.6.1.2.1.33.1.6.3.25'],
  ])('alarm %s → %s', (oid, name) => expect(alarmName(oid)).toBe(name));

  it.each([
    ['1.3.6.1.2.1.33.2.1', { name: 'upsTrapOnBattery', confirm: true }],
    ['.1.3.6.1.2.1.33.2.2', { name: 'upsTrapTestCompleted', confirm: false }],
    ['1.3.6.1.2.1.33.2.3', { name: 'upsTrapAlarmEntryAdded', confirm: true }],
    ['1.3.6.1.2.1.33.2.4', { name: 'upsTrapAlarmEntryRemoved', confirm: true }],
    ['1.3.6.1.6.3.1.1.5.3', null],
  ])('trap %s → %j', (oid, kind) => expect(upsTrapKind(oid)).toEqual(kind));

  const trap = (trapOid: string, from: string): Notification => ({ from, receivedAt: 0, version: '2c', trapOid, uptime: null, varbinds: [] });

  it('a UPS claims traps from the address it polls; the state traps ask for a confirming poll', () => {
    const ups = openUps(target({ name: 'upsA', host: '10.9.9.9' }), deps, { client: () => upsFake(3) });
    const route = trapRouter(() => [{ name: 'upsA', instance: ups }]);
    expect(route(normAddress('::ffff:10.9.9.9'), {})?.target).toBe('upsA');
    expect(route('10.9.9.9', {})!.handle(trap('1.3.6.1.2.1.33.2.1', '10.9.9.9'))).toEqual({ readings: [], pollNow: true, detail: { trap: 'upsTrapOnBattery' } });
    expect(route('10.9.9.9', {})!.handle(trap('1.3.6.1.2.1.33.2.2', '10.9.9.9')).pollNow).toBe(false);
    expect(route('10.9.9.8', {})).toBeNull();
    ups.close();
  });

  it('a UPS configured as 2001:0DB8:0:0::5 polls at once on a trap from 2001:db8::5', () => {
    const ups = openUps(target({ name: 'ups6', host: '2001:0DB8:0:0::5' }), deps, { client: () => upsFake(3) });
    const from = normAddress('2001:db8::5');
    const route = trapRouter(() => [{ name: 'ups6', instance: ups }])(from, { community: 'public' });
    expect(route?.target).toBe('ups6');
    expect(route!.handle(trap('1.3.6.1.2.1.33.2.1', from)).pollNow).toBe(true);
    ups.close();
  });
});

describe('snmp-ups probe', () => {
  const probe = snmpUps.probe!;
  it('builds v2c and v3 targets from flags', () => {
    expect(probe.target('10.0.0.5', 1161, { community: 'c0mm' })).toMatchObject({ name: '10.0.0.5', port: 1161, version: '2c', community: 'c0mm', timeoutMs: 1000 });
    expect(probe.target('::1', 161, { 'v3-user': 'u', 'auth-proto': 'sha', 'auth-key': 'authpass1', 'priv-proto': 'aes', 'priv-key': 'privpass1' })).toMatchObject({
      name: '1', version: '3', user: { name: 'u', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes' },
    });
  });
  it.each([
    [{ community: 'c', bogus: '1' }, '--bogus: unknown flag for snmp-ups'],
    [{ 'v3-user': 'u', 'auth-proto': 'sha', 'auth-key': 'short' }, '--auth-key: must be at least 8 characters'],
    [{ 'v3-user': 'u', 'auth-key': 'authpass1' }, '--auth-proto: required for level authNoPriv'],
    [{}, '--community: required for version 2c'],
    [{ community: 'c', bulk: 'maybe' }, '--bulk: Invalid option: expected one of "auto"|"on"|"off"'],
    [{ community: 'c', timeout: 'soon' }, '--timeout: must be a whole number'],
  ])('%j → %s', (flags, message) => {
    expect(() => probe.target('h', 161, flags)).toThrow(message);
  });
  it('prints subject, state and the raw readings', () => {
    const r = decodeUps('h/output', [{ oid: OID.upsOutputSource, type: INT, value: 5 }, { oid: OID.upsEstimatedChargeRemaining, type: INT, value: 50 }], new Map());
    expect(probe.json(r)).toEqual({ subject: 'h/output', state: 'battery', evidence: r.evidence, gauges: { battery_charge_percent: 50 } });
    expect(probe.text(r)).toBe('h/output  battery  upsOutputSource=battery charge=50%');
  });
});
