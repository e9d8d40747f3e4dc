import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { powerGauges } from '../../../agent/src/power-metrics.ts';
import { decodeUps } from '../../../agent/src/sources/snmp-ups.ts';
import { nutErrorReading, nutReading } from '../../../agent/src/sources/nut.ts';
import { OID } from '../../../agent/src/profiles/ups-mib.ts';
import type { Reading } from '../../../agent/src/sources/types.ts';

const INT = 2;
const vb = (oid: string, value: number) => ({ oid, type: INT, value });

/** A UPS-MIB reading as snmp-ups decodes it: charge 97 %, 42 min, two output lines at 18 % and 31 %. */
function snmpUpsReading(): Reading {
  const cols = new Map([[`${OID.upsOutputEntry}.5`, [vb(`${OID.upsOutputEntry}.5.1`, 18), vb(`${OID.upsOutputEntry}.5.2`, 31)]]]);
  return decodeUps('ups1/output', [
    vb(OID.upsOutputSource, 3), vb(OID.upsEstimatedChargeRemaining, 97), vb(OID.upsEstimatedMinutesRemaining, 42),
  ], cols);
}

async function series(r: Registry): Promise<string[]> {
  return (await r.metrics()).split('\n').filter((l) => l.startsWith('dcprobe_ups_'));
}

describe('UPS battery and load gauges', () => {
  it('exports charge, runtime and the most loaded output line from a UPS-MIB reading, with units in the names', async () => {
    const r = new Registry();
    powerGauges(r).update('ups1', [snmpUpsReading()]);
    expect(await series(r)).toEqual([
      'dcprobe_ups_battery_charge_ratio{device="ups1",feed="output"} 0.97',
      'dcprobe_ups_battery_runtime_seconds{device="ups1",feed="output"} 2520',
      'dcprobe_ups_load_ratio{device="ups1",feed="output"} 0.31',
    ]);
  });

  it('reads NUT\'s variables, labels a multi-UPS subject by its feed, and ignores port readings', async () => {
    const r = new Registry();
    const nut = nutReading('nut1/ups-b/output', new Map([['ups.status', 'OB'], ['battery.charge', '55'], ['battery.runtime', '600'], ['ups.load', '40']]));
    powerGauges(r).update('nut1', [nut, { subject: 'sw1/ge-0/0/1', kind: 'port', state: 'up', evidence: {}, gauges: { battery_charge_percent: 1 } }]);
    expect(await series(r)).toEqual([
      'dcprobe_ups_battery_charge_ratio{device="nut1",feed="ups-b/output"} 0.55',
      'dcprobe_ups_battery_runtime_seconds{device="nut1",feed="ups-b/output"} 600',
      'dcprobe_ups_load_ratio{device="nut1",feed="ups-b/output"} 0.4',
    ]);
  });

  it('drops a target\'s series when its poll fails, and a subject\'s when its reading lacks the values', async () => {
    const r = new Registry();
    const g = powerGauges(r);
    const other = nutReading('nut1/output', new Map([['ups.status', 'OL'], ['battery.charge', '100']]));
    g.update('ups1', [snmpUpsReading()]);
    g.update('nut1', [other]);
    g.clear('ups1');
    expect(await series(r)).toEqual(['dcprobe_ups_battery_charge_ratio{device="nut1",feed="output"} 1']);
    g.update('nut1', [nutErrorReading('nut1/output', 'DATA-STALE')]);
    expect(await series(r)).toEqual([]);
    g.update('ups1', [snmpUpsReading()]);
    g.update('ups1', []); // a full poll that no longer reports the UPS
    expect(await series(r)).toEqual([]);
  });
});
