/**
 * One poll's reads: sysUpTime (timed, so ifLastChange can be placed in wall
 * time; a device that does not serve it is still read, untimed) and ifOperStatus / ifAdminStatus / ifLastChange of the polled ports,
 * either by GETs of exactly those rows or by one multi-column GETBULK walk of
 * the whole table, whichever costs less for the selection (see `strategy`).
 */
import type { SnmpClient, VarBind } from '../snmp/types.ts';
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

/** sysUpTime.0 follows this OID: the walk's first request reads it as a non-repeater. */
const BEFORE_SYS_UPTIME = SYS_UPTIME.replace(/\.0$/, '');

/** The agent read its clock somewhere inside the round trip: take the middle. */
function sample(vb: VarBind | undefined, t0: number, t1: number): { uptime: UptimeSample | null; at: number } {
  const at = Math.round((t0 + t1) / 2);
  const ticks = vb && vb.oid.replace(/^\./, '') === SYS_UPTIME ? num(vb) : null;
  return { uptime: ticks === null ? null : { ticks, at }, at };
}

/** sysUpTime in the same GETs as the rows, timed by their round trip. */
async function byGets(client: SnmpClient, ifIndexes: readonly number[], now: () => number): Promise<StatusRead> {
  const t0 = now();
  const vbs = await client.get([SYS_UPTIME, ...ifIndexes.flatMap((i) => STATUS_COLUMNS.map((c) => `${c}.${i}`))]);
  const { uptime, at } = sample(vbs[0], t0, now());
  const status = new Map<number, IfStatus>();
  ifIndexes.forEach((ifIndex, r) => {
    status.set(ifIndex, { oper: num(vbs[1 + r * 2]), admin: null, lastChange: num(vbs[2 + r * 2]) });
  });
  return { uptime, at, status };
}

/**
 * The row index of `oid` under a column whose OID is `prefixLength` characters
 * long with its dot, read from the characters (no substring per varbind: a
 * large agent reads 30,000 a second); NaN when not a single index.
 */
function rowOf(oid: string, prefixLength: number): number {
  let n = 0;
  if (oid.length <= prefixLength) return NaN;
  for (let i = prefixLength; i < oid.length; i++) {
    const c = oid.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** sysUpTime rides in the walk's first request, timed by its round trip; the walk stops at the last row wanted. */
async function byWalk(client: SnmpClient, ifIndexes: readonly number[], now: () => number): Promise<StatusRead> {
  const t0 = now();
  let t1 = t0;
  let upTo = 0;
  const status = new Map<number, IfStatus>();
  for (const i of ifIndexes) { status.set(i, { oper: null, admin: null, lastChange: null }); if (i > upTo) upTo = i; }
  const cols = await client.walk(STATUS_COLUMNS, { scalars: [BEFORE_SYS_UPTIME], upTo, onFirstAnswer: () => { t1 = now(); } });
  const { uptime, at } = sample(cols.get(BEFORE_SYS_UPTIME)?.[0], t0, t1);
  const put = (column: string, field: keyof IfStatus): void => {
    // `column.N`: the row starts after the column's OID and its dot (OIDs come without a leading dot).
    const skip = column.length + 1;
    for (const vb of cols.get(column) ?? []) {
      const row = status.get(rowOf(vb.oid, skip));
      if (row) row[field] = num(vb);
    }
  };
  put(IF.ifOperStatus, 'oper');
  put(IF.ifLastChange, 'lastChange');
  return { uptime, at, status };
}

/** ifAdminStatus of these rows (the ones that moved), by GET. */
export async function readAdmin(client: SnmpClient, ifIndexes: readonly number[]): Promise<Map<number, number | null>> {
  const vbs = await client.get(ifIndexes.map((i) => `${IF.ifAdminStatus}.${i}`));
  return new Map(ifIndexes.map((i, k) => [i, num(vbs[k])]));
}

/** ifOperStatus and ifLastChange of the polled rows (`admin` is left null: see readAdmin), and sysUpTime. */
export async function readStatus(
  client: SnmpClient, ifIndexes: readonly number[], how: 'get' | 'walk', now: () => number,
): Promise<StatusRead> {
  return how === 'walk' && ifIndexes.length > 0 ? byWalk(client, ifIndexes, now) : byGets(client, ifIndexes, now);
}
