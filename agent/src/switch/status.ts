/**
 * One poll's reads: sysUpTime (timed, so ifLastChange can be placed in wall
 * time; a device that does not serve it is still read, untimed) and ifOperStatus / ifAdminStatus / ifLastChange of the polled ports,
 * either by GETs of exactly those rows or by one multi-column GETBULK walk of
 * the whole table, whichever costs less for the selection (see `strategy`).
 */
import type { SnmpClient, VarBind } from '../snmp/types.ts';
import { indexOf } from '../snmp/types.ts';
import { IF, STATUS_COLUMNS, SYS_UPTIME } from '../profiles/if-mib.ts';
import type { UptimeSample } from './uptime.ts';

export interface IfStatus {
  oper: number | null;
  admin: number | null;
  lastChange: number | null;
}

export interface StatusRead {
  /** sysUpTime and when it was read; null from a device that does not serve it. */
  uptime: UptimeSample | null;
  /** When the device was read (agent clock, UTC ms). */
  at: number;
  status: Map<number, IfStatus>;
}

/**
 * GETs touch only the selected rows (the client splits them to the device's
 * size limit, a few requests in flight); the walk returns every row of the
 * table, in sequence. Measured on the simulator: GETs win while the
 * selection is under about half the table.
 */
export function strategy(selected: number, total: number): 'get' | 'walk' {
  return selected * 2 <= total ? 'get' : 'walk';
}

const num = (vb: VarBind | undefined): number | null => (vb && typeof vb.value === 'number' ? vb.value : null);

async function timedUptime(client: SnmpClient, now: () => number): Promise<{ uptime: UptimeSample | null; at: number }> {
  const t0 = now();
  const [vb] = await client.get([SYS_UPTIME]);
  const t1 = now();
  // The agent read its clock somewhere inside the round trip: take the middle.
  const at = Math.round((t0 + t1) / 2);
  const ticks = num(vb);
  return { uptime: ticks === null ? null : { ticks, at }, at };
}

async function byGets(client: SnmpClient, ifIndexes: readonly number[]): Promise<Map<number, IfStatus>> {
  const vbs = await client.get(ifIndexes.flatMap((i) => STATUS_COLUMNS.map((c) => `${c}.${i}`)));
  const out = new Map<number, IfStatus>();
  ifIndexes.forEach((ifIndex, r) => {
    out.set(ifIndex, { oper: num(vbs[r * 3]), admin: num(vbs[r * 3 + 1]), lastChange: num(vbs[r * 3 + 2]) });
  });
  return out;
}

async function byWalk(client: SnmpClient, ifIndexes: readonly number[]): Promise<Map<number, IfStatus>> {
  const cols = await client.walk(STATUS_COLUMNS);
  const want = new Set(ifIndexes);
  const out = new Map<number, IfStatus>(ifIndexes.map((i) => [i, { oper: null, admin: null, lastChange: null }]));
  const put = (column: string, field: keyof IfStatus): void => {
    for (const vb of cols.get(column) ?? []) {
      const idx = Number(indexOf(column, vb.oid));
      if (want.has(idx)) out.get(idx)![field] = num(vb);
    }
  };
  put(IF.ifOperStatus, 'oper');
  put(IF.ifAdminStatus, 'admin');
  put(IF.ifLastChange, 'lastChange');
  return out;
}

export async function readStatus(
  client: SnmpClient, ifIndexes: readonly number[], how: 'get' | 'walk', now: () => number,
): Promise<StatusRead> {
  const [{ uptime, at }, status] = await Promise.all([
    timedUptime(client, now),
    ifIndexes.length === 0 ? Promise.resolve(new Map<number, IfStatus>()) : how === 'get' ? byGets(client, ifIndexes) : byWalk(client, ifIndexes),
  ]);
  return { uptime, at, status };
}
