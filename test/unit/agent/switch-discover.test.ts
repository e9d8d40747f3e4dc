import { describe, expect, it } from 'vitest';
import { DEFAULT_ALIAS_PATTERN, proposeSwitch } from '../../../agent/src/switch/discover.ts';
import type { IfInfo } from '../../../agent/src/switch/interfaces.ts';

const i = (ifIndex: number, ifName: string, ifAlias: string): IfInfo => ({ ifIndex, ifName, ifAlias, ifDescr: ifName });
const conn = { host: '10.0.0.1', version: '2c', community: 'public' };

describe('proposeSwitch', () => {
  it('skips a matching port whose ifName cannot be part of a subject, and says so', () => {
    const d = proposeSwitch([i(1, 'Gi 1/0/1', 'CUST:acme'), i(2, 'Gi1/0/2', 'CUST:acme')], { name: 'sw', aliasPattern: DEFAULT_ALIAS_PATTERN, connection: conn });
    expect(d.target).toEqual({ kind: 'snmp-switch', name: 'sw', ...conn, ports: ['Gi1/0/2'] });
    expect(d.customers).toEqual([{ id: 'acme', network: { ports: ['sw/Gi1/0/2'] } }]);
    expect(d.notes).toEqual(['ifIndex 1: ifName "Gi 1/0/1" has white space, so it cannot name a subject; skipped']);
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
