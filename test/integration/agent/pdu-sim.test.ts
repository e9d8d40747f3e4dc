/**
 * snmp-pdu over real SNMP: the ups-mib-input profile reads the simulated UPS's
 * input table as a mains feed (net-snmp's own agent on port 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimUps, type SimUps } from '../../../agent/src/sim/ups.ts';
import { pduTargetSchema, snmpPdu } from '../../../agent/src/sources/snmp-pdu.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import type { SourceInstance } from '../../../agent/src/sources/types.ts';

const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now(), log: silentLogger });

describe('snmp-pdu (ups-mib-input) against the simulated UPS', () => {
  let sim: SimUps;
  let src: SourceInstance;
  beforeAll(async () => {
    sim = await startSimUps({ community: 'meter' });
    const t = pduTargetSchema.parse({ kind: 'snmp-pdu', name: 'feedA', host: '127.0.0.1', port: sim.port, community: 'meter', profile: 'ups-mib-input', timeoutMs: 1000, retries: 0 });
    src = snmpPdu.open(t, { log: silentLogger, now: () => Date.now() });
  });
  afterAll(async () => {
    src?.close();
    await sim?.close();
  });

  it('mains present → feedA/input1 mains, with voltage and frequency', async () => {
    const [r, ...rest] = await src.poll(ctx());
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ subject: 'feedA/input1', state: 'mains', evidence: { profile: 'ups-mib-input', voltage: 230, frequency: 50 }, gauges: { voltage_volts: 230, frequency_hertz: 50 } });
  });

  it('mains lost (UPS on battery, input 0 V) → off, and back', async () => {
    await sim.setSource('battery');
    expect((await src.poll(ctx()))[0]).toMatchObject({ state: 'off', evidence: { voltage: 0 } });
    await sim.setSource('normal');
    expect((await src.poll(ctx()))[0]!.state).toBe('mains');
  });
});
