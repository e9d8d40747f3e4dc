/**
 * Discovery (ifIndex ↔ ifName, ifAlias, ifDescr) and port selection. Subjects
 * are named by ifName because ifIndex may renumber after a reload; the map is
 * rebuilt on a schedule and whenever the switch is seen to reboot. Names are
 * kept as the octets the device sent: any name makes a subject id through
 * the one encoding in @dcprobe/shared (subject-id.ts).
 */
import { displayName, nameOctets } from '@dcprobe/shared';
import type { SnmpClient, VarBind } from '../snmp/types.ts';
import { indexOf } from '../snmp/types.ts';
import { DISCOVERY_COLUMNS, IF, SYS_UPTIME } from '../profiles/if-mib.ts';

export interface IfInfo {
  ifIndex: number;
  /** The port's name for people: ifName, or ifDescr when the device has none. */
  ifName: string;
  ifAlias: string;
  ifDescr: string;
  /** That name's octets (padding removed): what the subject id encodes. */
  name: Uint8Array;
}

export type PortSelector = 'all' | string[] | { aliasPattern: string };

/** DisplayString / SnmpAdminString octets; some agents pad with NULs. */
function octets(v: VarBind['value']): Uint8Array {
  return nameOctets(Buffer.isBuffer(v) ? v : String(v ?? ''));
}

function byIndex(column: string, vbs: readonly VarBind[]): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const vb of vbs) {
    const idx = Number(indexOf(column, vb.oid));
    if (Number.isInteger(idx) && vb.value !== null) m.set(idx, octets(vb.value));
  }
  return m;
}

/**
 * Builds the interface list from one multi-column walk. ifName comes from
 * ifXTable; devices without it (or with an empty ifName) fall back to ifDescr.
 * Duplicate names keep the lowest ifIndex so a subject never means two ports.
 */
export function interfacesFrom(cols: Map<string, VarBind[]>): { ifs: IfInfo[]; duplicates: string[] } {
  const descr = byIndex(IF.ifDescr, cols.get(IF.ifDescr) ?? []);
  const name = byIndex(IF.ifName, cols.get(IF.ifName) ?? []);
  const alias = byIndex(IF.ifAlias, cols.get(IF.ifAlias) ?? []);
  const indexes = [...new Set([...descr.keys(), ...name.keys()])].sort((a, b) => a - b);
  const seen = new Set<string>();
  const ifs: IfInfo[] = [];
  const duplicates: string[] = [];
  const none = new Uint8Array(0);
  for (const ifIndex of indexes) {
    const d = descr.get(ifIndex) ?? none;
    const n = name.get(ifIndex)?.length ? name.get(ifIndex)! : d;
    if (n.length === 0) continue;
    const ifName = displayName(n);
    const key = Buffer.from(n).toString('hex');
    if (seen.has(key)) { duplicates.push(ifName); continue; }
    seen.add(key);
    // Many devices name a port the same in ifDescr and ifName: one string for both.
    const ifDescr = d === n || Buffer.from(d).equals(n) ? ifName : displayName(d);
    ifs.push({ ifIndex, ifName, ifAlias: displayName(alias.get(ifIndex) ?? none), ifDescr, name: n });
  }
  return { ifs, duplicates };
}

/**
 * A one-varbind GET first: a device that answers it but not the walk's
 * bigger requests is then known to be alive, so the client shrinks its
 * requests instead of calling it unreachable (snmp/sizing.ts).
 */
export async function discover(client: SnmpClient): Promise<{ ifs: IfInfo[]; duplicates: string[] }> {
  await client.get([SYS_UPTIME]);
  return interfacesFrom(await client.walk(DISCOVERY_COLUMNS));
}

export interface Selection {
  /** Interfaces to poll, in ifIndex order, ports and uplinks together. */
  polled: IfInfo[];
  /** Configured names (ports list or uplinks) the device does not have. */
  missing: string[];
}

export function selectPorts(ifs: readonly IfInfo[], ports: PortSelector, uplinks: readonly string[]): Selection {
  const named = new Map(ifs.map((i) => [i.ifName, i]));
  const want = new Set<number>();
  const missing: string[] = [];
  const byName = (n: string): void => {
    const i = named.get(n);
    if (i) want.add(i.ifIndex);
    else if (!missing.includes(n)) missing.push(n);
  };
  if (ports === 'all') ifs.forEach((i) => want.add(i.ifIndex));
  else if (Array.isArray(ports)) ports.forEach(byName);
  else {
    const re = new RegExp(ports.aliasPattern);
    ifs.filter((i) => re.test(i.ifAlias)).forEach((i) => want.add(i.ifIndex));
  }
  uplinks.forEach(byName);
  return { polled: ifs.filter((i) => want.has(i.ifIndex)), missing };
}
