/**
 * The fleet benchmark's light simulator answers the agent exactly as the
 * integration tests' sim switch (net-snmp's own agent) does for the same
 * table, so the fleet figures measure the agent against the same answers.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFleet } from '../../../bench/lib/fleet-sim.ts';
import { startSimSwitch } from '../../../agent/src/sim/switch.ts';
import { openSnmp } from '../../../agent/src/snmp/client.ts';
import { DISCOVERY_COLUMNS, IF, STATUS_COLUMNS, SYS_UPTIME } from '../../../agent/src/profiles/if-mib.ts';
import type { SnmpTarget } from '../../../agent/src/snmp/types.ts';

const target = (port: number, o: Partial<SnmpTarget> = {}): SnmpTarget =>
  ({ host: '127.0.0.1', port, version: '2c', community: 'public', timeoutMs: 2000, retries: 0, maxRepetitions: 25, maxVarbinds: 48, bulk: 'auto', ...o });

async function read(port: number, o: Partial<SnmpTarget> = {}) {
  const c = openSnmp(target(port, o));
  try {
    const cols = await c.walk([...DISCOVERY_COLUMNS, IF.ifAdminStatus, IF.ifOperStatus]);
    const [up] = await c.get([SYS_UPTIME, `${IF.ifOperStatus}.3`, `${IF.ifOperStatus}.999`]);
    const past = await c.walk([IF.ifAlias]); // off the end of the MIB
    return { cols: [...cols.entries()].map(([k, v]) => [k, v.map((x) => [x.oid, x.type, String(x.value)])]), uptimeType: up!.type, past: [...past.entries()] };
  } finally { c.close(); }
}

describe('fleet simulator', () => {
  it('walks, GETs and ends like the sim switch, by GETBULK and by GETNEXT', async () => {
    const fleet = await startFleet({ switches: 1, ports: 48 });
    onTestFinished(() => fleet.close());
    const sim = await startSimSwitch({ ports: 48 });
    onTestFinished(() => sim.close());
    for (const o of [{}, { bulk: 'off' as const }, { maxVarbinds: 100, maxRepetitions: 40 }]) {
      const a = await read(fleet.switches[0]!.port, o);
      const b = await read(sim.port, o);
      expect(a).toEqual(b);
      expect(a.cols.map(([, v]) => v!.length)).toEqual([50, 50, 50, 50, 50]);
    }
  });

  it('a flipped port reads down with a fresh ifLastChange', async () => {
    const fleet = await startFleet({ switches: 2, ports: 4 });
    onTestFinished(() => fleet.close());
    fleet.switches[1]!.flip(2);
    const c = openSnmp(target(fleet.switches[1]!.port));
    onTestFinished(() => c.close());
    const [up, oper, last] = await c.get([SYS_UPTIME, `${IF.ifOperStatus}.3`, `${IF.ifLastChange}.3`]);
    expect(oper!.value).toBe(2);
    expect(Math.abs(Number(up!.value) - Number(last!.value))).toBeLessThan(100);
  });
});
