import { describe, expect, it } from 'vitest';
import { DEFAULT_ALIAS_PATTERN, proposeSwitch } from '../../../agent/src/switch/discover.ts';
import type { IfInfo } from '../../../agent/src/switch/interfaces.ts';

const i = (ifIndex: number, ifName: string, ifAlias: string): IfInfo => ({ ifIndex, ifName, ifAlias, ifDescr: ifName, name: Buffer.from(ifName) });
const conn = { host: '10.0.0.1', version: '2c', community: 'public' };

describe('proposeSwitch', () => {
  it('proposes a port whose ifName has white space: agent.yml names it as the device does, collector.yml by its encoded subject', () => {
    const d = proposeSwitch([i(1, 'Gi 1/0/1', 'CUST:acme'), i(2, 'Gi1/0/2', 'CUST:acme')], { name: 'sw', aliasPattern: DEFAULT_ALIAS_PATTERN, connection: conn });
    expect(d.target).toEqual({ kind: 'snmp-switch', name: 'sw', ...conn, ports: ['Gi 1/0/1', 'Gi1/0/2'] });
    expect(d.customers).toEqual([{ id: 'acme', network: { ports: ['sw/Gi%201/0/1', 'sw/Gi1/0/2'] } }]);
    expect(d.notes).toEqual([]);
  });

  it('treats an interface matching the uplink pattern as an uplink even if its alias also names a customer', () => {
    const d = proposeSwitch([i(1, 'p1', 'CUST:acme'), i(2, 'up1', 'CUST:core UPLINK')], {
      name: 'sw', aliasPattern: DEFAULT_ALIAS_PATTERN, uplinkPattern: 'UPLINK$', connection: conn,
    });
    expect(d.target).toMatchObject({ ports: ['p1'], uplinks: ['up1'] });
    expect(d.customers).toEqual([{ id: 'acme', network: { ports: ['sw/p1'], uplinks: ['sw/up1'] } }]);
  });

  it('notes an uplink pattern that found nothing', () => {
    const d = proposeSwitch([i(1, 'p1', 'CUST:acme')], { name: 'sw', aliasPattern: DEFAULT_ALIAS_PATTERN, uplinkPattern: '^UPLINK:', connection: conn });
    expect(d.notes).toEqual(['no ifAlias matched the uplink pattern ^UPLINK:']);
    expect(d.target).not.toHaveProperty('uplinks');
  });
});
