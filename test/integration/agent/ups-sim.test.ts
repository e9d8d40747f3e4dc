/**
 * snmp-ups over real SNMP against the simulated UPS (net-snmp's own agent on
 * port 0), and the simulator's traps through a real net-snmp receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snmp from 'net-snmp';
import { startSimUps, type SimUps, type SimUpsSource } from '../../../agent/src/sim/ups.ts';
import { snmpUps, upsTargetSchema } from '../../../agent/src/sources/snmp-ups.ts';
import { upsTrapKind } from '../../../agent/src/profiles/ups-mib.ts';
import { listenPlan } from '../../../agent/src/snmp/listen.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import type { SourceInstance } from '../../../agent/src/sources/types.ts';
import { sleep } from '../../support/wait.ts';

const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now(), log: silentLogger });

interface Got { trapOid: string; varbinds: { oid: string; value: unknown }[] }

describe('snmp-ups against the simulated UPS', () => {
  let sim: SimUps;
  let src: SourceInstance;
  let receiver: any;
  const traps: Got[] = [];

  beforeAll(async () => {
    const plan = listenPlan(0, '127.0.0.1');
    receiver = snmp.createReceiver({ ...plan.options, disableAuthorization: true }, (err: Error | null, n: any) => {
      if (err || !n) return;
      const vbs = n.pdu.varbinds as { oid: string; value: unknown }[];
      const trapOid = String(vbs.find((v) => v.oid === '1.3.6.1.6.3.1.1.4.1.0')?.value ?? '');
      traps.push({ trapOid, varbinds: vbs });
    });
    const bound = await plan.bound;
    sim = await startSimUps({ community: 'upscomm', trapTo: { host: '127.0.0.1', port: bound.port, community: 'upscomm' } });
    const t = upsTargetSchema.parse({ kind: 'snmp-ups', name: 'ups1', host: '127.0.0.1', port: sim.port, community: 'upscomm', timeoutMs: 1000, retries: 0 });
    src = snmpUps.open(t, { log: silentLogger, now: () => Date.now() });
  });

  afterAll(async () => {
    src?.close();
    await sim?.close();
    await new Promise<void>((r) => receiver ? receiver.close(() => r()) : r());
  });

  it('reads mains with battery, line and alarm evidence', async () => {
    const [r] = await src.poll(ctx());
    expect(r).toMatchObject({ subject: 'ups1/output', state: 'mains' });
    expect(r!.evidence).toMatchObject({
      upsOutputSource: 3, upsOutputSourceName: 'normal', upsBatteryStatusName: 'batteryNormal', upsEstimatedChargeRemaining: 100,
      input: [{ line: 1, voltage: 230, frequency: 50, current: 2, truePower: 440 }],
      output: [{ line: 1, voltage: 230, current: 1.8, power: 400, percentLoad: 22 }],
      alarms: [], upsAlarmsPresent: 0,
    });
  });

  it.each([
    ['battery', 'battery', ['upsAlarmOnBattery', 'upsAlarmInputBad']],
    ['bypass', 'bypass', ['upsAlarmOnBypass']],
    ['none', 'off', ['upsAlarmUpsOutputOff']],
    ['other', 'unknown', []],
    ['booster', 'mains', []],
    ['reducer', 'mains', []],
    ['normal', 'mains', []],
  ] as [SimUpsSource, string, string[]][])('setSource(%s) → %s with alarms %j', async (s, state, alarms) => {
    await sim.setSource(s);
    const [r] = await src.poll(ctx());
    expect(r!.state).toBe(state);
    expect(r!.evidence.alarms).toEqual(alarms);
    expect(r!.evidence.upsAlarmsPresent).toBe(alarms.length);
  });

  it('sent upsTrapOnBattery and alarm traps the mapper recognises', async () => {
    const deadline = Date.now() + 3000;
    while (traps.length < 9 && Date.now() < deadline) await sleep(50);
    const names = traps.map((t) => upsTrapKind(t.trapOid)?.name);
    expect(names[0]).toBe('upsTrapOnBattery');
    expect(names.filter((n) => n === 'upsTrapAlarmEntryAdded')).toHaveLength(4);
    expect(names.filter((n) => n === 'upsTrapAlarmEntryRemoved')).toHaveLength(4);
    const added = traps.find((t) => upsTrapKind(t.trapOid)?.name === 'upsTrapAlarmEntryAdded')!;
    expect(added.varbinds.map((v) => String(v.value))).toContain('1.3.6.1.2.1.33.1.6.3.2');
  });

  it('a wrong community times out as a coded error (no answer → the poll loop marks unknown)', async () => {
    const t = upsTargetSchema.parse({ kind: 'snmp-ups', name: 'bad', host: '127.0.0.1', port: sim.port, community: 'wrong', timeoutMs: 200, retries: 0 });
    const bad = snmpUps.open(t, { log: silentLogger, now: () => Date.now() });
    try {
      await expect(bad.poll(ctx())).rejects.toMatchObject({ code: 'DCP_SNMP_TIMEOUT' });
    } finally {
      bad.close();
    }
  });

  it('script mode walks battery → mains → off → mains by itself', async () => {
    const s = await startSimUps({ script: { stepMs: 100 } });
    const seen: string[] = [];
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      if (seen.at(-1) !== s.source()) seen.push(s.source());
      await sleep(5);
    }
    await s.close();
    expect(seen).toEqual(['normal', 'battery', 'normal', 'none', 'normal']);
  });
});
