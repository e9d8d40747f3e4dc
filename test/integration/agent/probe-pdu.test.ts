/**
 * `dcprobe-agent probe snmp-pdu HOST --profile NAME`: a profile checked against a
 * device before it goes into agent.yml (the simulated UPS's input table read
 * through the ups-mib-input profile, net-snmp's own agent on port 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimUps, type SimUps } from '../../../agent/src/sim/ups.ts';
import { probeCommand } from '../../../agent/src/cli/probe.ts';

async function probe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await probeCommand(args, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}

describe('probe snmp-pdu', () => {
  let sim: SimUps;
  beforeAll(async () => { sim = await startSimUps({ community: 'meter' }); });
  afterAll(async () => { await sim?.close(); });

  it('reads the feeds the profile finds, as JSON and as text', async () => {
    const host = `127.0.0.1:${sim.port}`;
    const json = await probe('snmp-pdu', host, '--profile', 'ups-mib-input', '--community', 'meter', '--json');
    expect([json.code, json.err]).toEqual([0, '']);
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ subject: '127.0.0.1/input1', state: 'mains', gauges: { voltage_volts: 230, frequency_hertz: 50 } })]);
    const text = await probe('snmp-pdu', host, '--profile', 'ups-mib-input', '--community', 'meter');
    expect(text.out).toBe('127.0.0.1/input1  mains  voltage_volts=230  frequency_hertz=50\n');
    expect(text.out + json.out).not.toContain('meter');
  });

  it('names the flag at fault, never a value', async () => {
    expect(await probe('snmp-pdu', '127.0.0.1', '--community', 'meter')).toMatchObject({ code: 2, err: 'profile: exactly one of profile or profileFile is required\n' });
    expect(await probe('snmp-pdu', '127.0.0.1', '--profile', 'no-such', '--community', 'meter')).toMatchObject({ code: 2 });
    expect((await probe('snmp-pdu', '127.0.0.1', '--profile', 'ups-mib-input', '--colour', 'x')).err).toBe('--colour: unknown flag for snmp-pdu\n');
  });
});
