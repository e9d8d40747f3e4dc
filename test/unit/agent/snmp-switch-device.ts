/**
 * A switch as the recording fake sees it: rows of IF-MIB values and a clock,
 * so source tests read like "the device says … at …".
 */
import type { Logger } from 'pino';
import { silentLogger } from '../../../agent/src/log.ts';
import { fakeSnmp, type FakeSnmp } from '../../../agent/src/snmp/fake.ts';
import { IF, SYS_UPTIME } from '../../../agent/src/profiles/if-mib.ts';
import { openSwitch, switchTargetSchema, type SwitchTarget } from '../../../agent/src/sources/snmp-switch.ts';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import type { Reading } from '../../../agent/src/sources/types.ts';

export interface Row {
  ifIndex: number;
  /** Text, or the octets exactly as a device sends them. */
  ifName?: string | Buffer;
  ifDescr?: string | Buffer;
  ifAlias?: string;
  oper?: number;
  admin?: number;
  lastChange?: number;
}

const INT = 2, OCTETS = 4, TICKS = 67;

export class Device {
  readonly fake: FakeSnmp = fakeSnmp();
  /** The agent's clock, UTC ms. */
  now = Date.UTC(2026, 10, 25, 12, 0, 0);

  set uptime(ticks: number) { this.fake.set(SYS_UPTIME, TICKS, ticks); }

  rows(rows: Row[]): void {
    // A renumbered or rebooted device replaces its whole table.
    for (const oid of [...this.fake.values.keys()]) if (oid !== SYS_UPTIME) this.fake.values.delete(oid);
    for (const r of rows) this.row(r);
  }

  row(r: Row): void {
    const i = r.ifIndex;
    this.fake.set(`${IF.ifDescr}.${i}`, OCTETS, Buffer.from(r.ifDescr ?? `port ${i}`));
    if (r.ifName !== undefined) this.fake.set(`${IF.ifName}.${i}`, OCTETS, Buffer.from(r.ifName));
    if (r.ifAlias !== undefined) this.fake.set(`${IF.ifAlias}.${i}`, OCTETS, Buffer.from(r.ifAlias));
    this.fake.set(`${IF.ifOperStatus}.${i}`, INT, r.oper ?? 1);
    this.fake.set(`${IF.ifAdminStatus}.${i}`, INT, r.admin ?? 1);
    this.fake.set(`${IF.ifLastChange}.${i}`, TICKS, r.lastChange ?? 0);
  }

  set(column: string, ifIndex: number, value: number): void {
    this.fake.set(`${column}.${ifIndex}`, column === IF.ifLastChange ? TICKS : INT, value);
  }

  open(cfg: Partial<SwitchTarget> & Record<string, unknown> = {}, log: Logger = silentLogger): SwitchInstance {
    const target = switchTargetSchema.parse({ kind: 'snmp-switch', name: 'sw1', host: '192.0.2.10', community: 'public', ports: 'all', ...cfg });
    return openSwitch(target, { log, now: () => this.now }, { client: () => this.fake });
  }

  poll(inst: SwitchInstance): Promise<Reading[]> {
    return inst.poll({ signal: new AbortController().signal, now: () => this.now, log: silentLogger });
  }

  /** Advances the agent clock and the device's sysUpTime together. */
  tick(ms: number, uptimeNow: number): void {
    this.now += ms;
    this.uptime = uptimeNow;
  }
}

/** 48 access ports ge-0/0/N (ifIndex N) with CUST aliases, and two uplinks. */
export function standardRows(): Row[] {
  const rows: Row[] = [];
  for (let n = 1; n <= 48; n++) rows.push({ ifIndex: n, ifName: `ge-0/0/${n}`, ifAlias: `CUST:cust-${String(n).padStart(2, '0')}` });
  rows.push({ ifIndex: 49, ifName: 'xe-0/1/0', ifAlias: 'UPLINK:core-a' });
  rows.push({ ifIndex: 50, ifName: 'xe-0/1/1', ifAlias: 'UPLINK:core-b' });
  return rows;
}

export const bySubject = (rs: Reading[]): Map<string, Reading> => new Map(rs.map((r) => [r.subject, r]));
