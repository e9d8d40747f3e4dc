/**
 * Reads a received notification into what the switch source needs: which
 * event (linkDown / linkUp / other), which ifIndex, and the states it carries.
 * Pure: unit tests feed it the shapes real devices send.
 *
 * RFC 2863 quirks handled here:
 * - v2c/v3: the event is the value of snmpTrapOID.0; v1: generic-trap 2/3.
 * - ifIndex normally comes as the varbind ifIndex.N = N; some agents omit it
 *   and send only ifAdminStatus.N / ifOperStatus.N, so N is taken from those
 *   OIDs' index; a few send `ifIndex` with no instance, value N.
 * - OIDs may arrive with a leading dot.
 */
import type { PortState } from '@dcprobe/shared';
import { IF, OPER_STATE, SYS_UPTIME, TRAP, V1_GENERIC } from '../profiles/if-mib.ts';
import type { VarBind } from '../snmp/types.ts';

export type TrapKind = 'linkDown' | 'linkUp' | 'other';

export interface TrapPduLike {
  /** net-snmp PduType: 164 Trap (v1), 166 InformRequest, 167 TrapV2. */
  type: number;
  varbinds: readonly { oid: string; type: number; value: unknown }[];
  /** v1 only. */
  generic?: number;
  enterprise?: string;
  upTime?: number;
}

export interface ParsedTrap {
  kind: TrapKind;
  /** snmpTrapOID.0 (v2c/v3), or the v1 generic/enterprise equivalent. */
  trapOid: string | null;
  ifIndex: number | null;
  operStatus: number | null;
  adminStatus: number | null;
  /** For linkDown/linkUp, the state announced: ifOperStatus when present, else what the event implies. */
  state: PortState | null;
  /** The sender's sysUpTime in the trap (centiseconds), when present. */
  uptime: number | null;
  varbinds: VarBind[];
}

const V1_TRAP_PDU = 164;
const V1_GENERIC_OIDS: Record<number, string> = {
  [V1_GENERIC.coldStart]: TRAP.coldStart,
  [V1_GENERIC.warmStart]: TRAP.warmStart,
  [V1_GENERIC.linkDown]: TRAP.linkDown,
  [V1_GENERIC.linkUp]: TRAP.linkUp,
};

const strip = (oid: string): string => oid.replace(/^\./, '');

function norm(vb: { oid: string; type: number; value: unknown }): VarBind {
  const v = vb.value;
  const value = typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || Buffer.isBuffer(v) ? v : null;
  return { oid: strip(vb.oid), type: vb.type, value };
}

const intOf = (v: VarBind['value']): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** The row index N of `column.N`, or null when `oid` is not a single-index instance of `column`. */
function rowOf(column: string, oid: string): number | null {
  if (!oid.startsWith(`${column}.`)) return null;
  const rest = oid.slice(column.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : null;
}

export function parseTrap(pdu: TrapPduLike): ParsedTrap {
  const varbinds = pdu.varbinds.map(norm);
  let trapOid: string | null = null;
  let uptime: number | null = null;
  if (pdu.type === V1_TRAP_PDU) {
    trapOid = V1_GENERIC_OIDS[pdu.generic ?? -1] ?? (pdu.enterprise ? strip(pdu.enterprise) : null);
    uptime = typeof pdu.upTime === 'number' ? pdu.upTime : null;
  }
  let ifIndex: number | null = null;
  let indexFromStatus: number | null = null;
  let operStatus: number | null = null;
  let adminStatus: number | null = null;
  for (const vb of varbinds) {
    if (vb.oid === TRAP.snmpTrapOID && vb.value !== null) trapOid = strip(String(vb.value));
    else if (vb.oid === SYS_UPTIME) uptime = intOf(vb.value);
    else if (vb.oid === IF.ifIndex) ifIndex ??= intOf(vb.value);
    else if (rowOf(IF.ifIndex, vb.oid) !== null) ifIndex ??= intOf(vb.value) ?? rowOf(IF.ifIndex, vb.oid);
    else if (rowOf(IF.ifOperStatus, vb.oid) !== null) {
      operStatus = intOf(vb.value);
      indexFromStatus ??= rowOf(IF.ifOperStatus, vb.oid);
    } else if (rowOf(IF.ifAdminStatus, vb.oid) !== null) {
      adminStatus = intOf(vb.value);
      indexFromStatus ??= rowOf(IF.ifAdminStatus, vb.oid);
    }
  }
  const kind: TrapKind = trapOid === TRAP.linkDown ? 'linkDown' : trapOid === TRAP.linkUp ? 'linkUp' : 'other';
  const implied: PortState | null = kind === 'linkDown' ? 'down' : kind === 'linkUp' ? 'up' : null;
  // Only link events speak for a port's state; vendor traps that carry ifOperStatus do not.
  const state = implied === null ? null : operStatus !== null ? (OPER_STATE[operStatus] ?? 'unknown') : implied;
  return { kind, trapOid, ifIndex: ifIndex ?? indexFromStatus, operStatus, adminStatus, state, uptime, varbinds };
}

/** coldStart / warmStart: the sender restarted, its ifIndex map may have changed. */
export function isRestart(t: ParsedTrap): boolean {
  return t.trapOid === TRAP.coldStart || t.trapOid === TRAP.warmStart;
}
