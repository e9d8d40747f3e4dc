/**
 * Any interface name a device sends makes a subject id the protocol takes
 * (the encoding in @dcprobe/shared subject-id.ts), with the name as the device
 * gave it in the evidence, and configured names still select their ports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeName, isSubjectId } from '@dcprobe/shared';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import { Device, type Row } from './snmp-switch-device.ts';

const open: SwitchInstance[] = [];
afterEach(() => { open.splice(0).forEach((i) => i.close()); });

async function read(rows: Row[], cfg: Record<string, unknown> = {}) {
  const dev = new Device();
  dev.uptime = 500_000;
  dev.rows(rows);
  const sw = dev.open({ ports: 'all', ...cfg });
  open.push(sw);
  return dev.poll(sw);
}

describe('interface names → subjects', () => {
  it.each<[string, Row, string, string]>([
    ['a device without ifXTable: ifDescr with spaces', { ifIndex: 1, ifDescr: 'MS TCP Loopback interface\0' }, 'sw1/MS%20TCP%20Loopback%20interface', 'MS TCP Loopback interface'],
    ['slashes are kept', { ifIndex: 2, ifName: 'ge-0/0/1' }, 'sw1/ge-0/0/1', 'ge-0/0/1'],
    ['quotes and backslashes', { ifIndex: 3, ifName: 'po"1"\\x' }, 'sw1/po%221%22%5Cx', 'po"1"\\x'],
    ['non-ASCII', { ifIndex: 4, ifName: 'Ethernet Ü 1' }, 'sw1/Ethernet%20Ü%201', 'Ethernet Ü 1'],
    ['Latin-1 octets (not UTF-8)', { ifIndex: 5, ifName: Buffer.from([0x50, 0x6f, 0x72, 0x74, 0xe9]) }, 'sw1/Port%E9', 'Porté'],
    ['trailing NULs are padding', { ifIndex: 6, ifName: Buffer.from('eth0\0\0\0') }, 'sw1/eth0', 'eth0'],
  ])('%s', async (_why, row, subject, ifName) => {
    const [r] = await read([row]);
    expect(r).toMatchObject({ subject, evidence: { ifName } });
    expect(isSubjectId(r!.subject)).toBe(true);
  });

  it('a 255-byte name is cut to fit, marked, and whole in the evidence', async () => {
    const name = `${'Ten-GigabitEthernet '.repeat(12)}1/0/15`.slice(0, 255);
    const [r] = await read([{ ifIndex: 9, ifName: name }]);
    expect(isSubjectId(r!.subject)).toBe(true);
    expect(r!.subject).toMatch(/~[0-9a-f]{8}$/);
    expect(r!.evidence.ifName).toBe(name);
  });

  it('every subject decodes back to its name', async () => {
    const names = ['a b', 'x/y z', 'tab\there', '100%', 'Порт 7'];
    const rs = await read(names.map((ifName, k) => ({ ifIndex: k + 1, ifName })));
    expect(rs.map((r) => decodeName(r.subject.slice('sw1/'.length))!.toString('utf8'))).toEqual(names);
  });

  it('configured names select ports by the name the device shows, spaces and all', async () => {
    const rs = await read([{ ifIndex: 1, ifName: 'Uplink A' }, { ifIndex: 2, ifName: 'Uplink B' }], { ports: ['Uplink B'], uplinks: ['Missing one'] });
    expect(rs.map((r) => [r.subject, r.state])).toEqual([['sw1/Uplink%20B', 'up'], ['sw1/Missing%20one', 'unknown']]);
  });

  it('two interfaces with the same octets: the lowest ifIndex keeps the subject', async () => {
    const rs = await read([{ ifIndex: 3, ifName: 'dup' }, { ifIndex: 7, ifName: 'dup\0' }]);
    expect(rs.map((r) => [r.subject, r.evidence.ifIndex])).toEqual([['sw1/dup', 3]]);
  });
});
