/**
 * Reads a notification into what the switch source needs: which event
 * (linkDown / linkUp / other), which ifIndex, and the states it carries.
 * Pure: unit tests feed it the shapes real devices send.
 *
 * RFC 2863 quirks handled here:
 * - ifIndex normally comes as the varbind ifIndex.N = N; some agents omit it
 *   and send only ifAdminStatus.N / ifOperStatus.N, so N is taken from those
 *   OIDs' index; a few send `ifIndex` with no instance, value N.
 * - OIDs may arrive with a leading dot (snmp/notification.ts strips it).
 */
import type { PortState } from '@dcprobe/shared';
import { IF, OPER_STATE, TRAP } from '../profiles/if-mib.ts';
import { intOf, readNotification, type NotificationPduLike } from '../snmp/notification.ts';
import type { Notification, VarBind } from '../snmp/types.ts';

export type TrapKind = 'linkDown' | 'linkUp' | 'other';

export interface LinkEvent {
  kind: TrapKind;
  ifIndex: number | null;
  operStatus: number | null;
  adminStatus: number | null;
  /** For linkDown/linkUp, the state announced: ifOperStatus when present, else what the event implies. */
  state: PortState | null;
}

export type ParsedTrap = LinkEvent & Pick<Notification, 'trapOid' | 'uptime' | 'varbinds'>;

/** The row index N of `column.N`, or null when `oid` is not a single-index instance of `column`. */
function rowOf(column: string, oid: string): number | null {
  if (!oid.startsWith(`${column}.`)) return null;
  const rest = oid.slice(column.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : null;
}

export function linkEvent(trapOid: string | null, varbinds: readonly VarBind[]): LinkEvent {
  let ifIndex: number | null = null;
  let indexFromStatus: number | null = null;
  let operStatus: number | null = null;
  let adminStatus: number | null = null;
  for (const vb of varbinds) {
    if (vb.oid === IF.ifIndex) ifIndex ??= intOf(vb.value);
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
  return { kind, ifIndex: ifIndex ?? indexFromStatus, operStatus, adminStatus, state };
}

/** A PDU straight to its link event (what the unit tests feed). */
export function parseTrap(pdu: NotificationPduLike): ParsedTrap {
  const n = readNotification(pdu);
  return { ...n, ...linkEvent(n.trapOid, n.varbinds) };
}

/** coldStart / warmStart: the sender restarted, its ifIndex map may have changed. */
export function isRestart(t: { trapOid: string | null }): boolean {
  return t.trapOid === TRAP.coldStart || t.trapOid === TRAP.warmStart;
}
