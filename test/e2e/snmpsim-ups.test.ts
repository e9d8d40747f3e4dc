/**
 * The snmp-ups source through snmpsimd replaying UPS-MIB (RFC 1628)
 * recordings of a UPS online, on battery, on bypass and with its output off
 * (test/fixtures/snmpsim/ups-*.snmprec), with `probe`'s default flags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSnmpsim, type Snmpsim } from './fixtures/snmpsim.ts';

const BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const recording = (name: string) => fileURLToPath(new URL(`../fixtures/snmpsim/ups-${name}.snmprec`, import.meta.url));

function probe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'probe', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let sim: Snmpsim;
beforeAll(async () => {
  sim = await startSnmpsim(['online', 'battery', 'bypass', 'off'].map((n) => ({ community: `ups-${n}`, from: recording(n) })));
});
afterAll(async () => { await sim?.stop(); });

describe('probe snmp-ups against recorded UPSes (snmpsimd, default flags)', () => {
  it.each([
    ['online', 'mains', { upsOutputSourceName: 'normal', upsEstimatedChargeRemaining: 100, alarms: [] }],
    ['battery', 'battery', { upsOutputSourceName: 'battery', upsSecondsOnBattery: 127, alarms: ['upsAlarmOnBattery', 'upsAlarmInputBad'] }],
    ['bypass', 'bypass', { upsOutputSourceName: 'bypass', alarms: ['upsAlarmOnBypass'] }],
    ['off', 'off', { upsOutputSourceName: 'none', alarms: ['upsAlarmUpsOutputOff'] }],
  ])('%s → %s', async (name, state, evidence) => {
    const r = await probe(['snmp-ups', `127.0.0.1:${sim.port}`, '--community', `ups-${name}`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [reading] = JSON.parse(r.stdout) as { subject: string; state: string; evidence: Record<string, unknown>; gauges: Record<string, number> }[];
    expect(reading).toMatchObject({ subject: '127.0.0.1/output', state, evidence });
  });

  it('reads every output line of a three-phase output', async () => {
    const r = await probe(['snmp-ups', `127.0.0.1:${sim.port}`, '--community', 'ups-bypass', '--json']);
    const [reading] = JSON.parse(r.stdout) as { evidence: { output: { line: number; voltage: number }[] }; gauges: Record<string, number> }[];
    expect(reading!.evidence.output.map((l) => [l.line, l.voltage])).toEqual([[1, 231], [2, 230], [3, 232]]);
    expect(reading!.gauges).toMatchObject({ output_line3_voltage_volts: 232, output_line2_load_percent: 17 });
  });
});
