/**
 * The parts of a received notification every kind reads the same way
 * (SNMPv2-MIB, RFC 3418; v1 mapped as RFC 3584 maps generic traps): which
 * notification it is and the sender's sysUpTime. What the varbinds mean is
 * the claiming source's business. Pure: unit tests feed it the shapes real
 * devices send.
 */
import type { Notification, VarBind } from './types.ts';

export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
const SYS_UPTIME_0 = '1.3.6.1.2.1.1.3.0';
/** snmpTraps (…1.1.5): v1 generic-trap N is snmpTraps.(N+1) for N in 0..5. */
const SNMP_TRAPS = '1.3.6.1.6.3.1.1.5';
const V1_TRAP_PDU = 164;

export interface NotificationPduLike {
  /** net-snmp PduType: 164 Trap (v1), 166 InformRequest, 167 TrapV2. */
  type: number;
  varbinds: readonly { oid: string; type: number; value: unknown }[];
  /** v1 only. */
  generic?: number;
  enterprise?: string;
  upTime?: number;
}

export const stripDot = (oid: string): string => oid.replace(/^\./, '');

function norm(vb: { oid: string; type: number; value: unknown }): VarBind {
  const v = vb.value;
  const value = typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || Buffer.isBuffer(v) ? v : null;
  return { oid: stripDot(vb.oid), type: vb.type, value };
}

export const intOf = (v: VarBind['value']): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** trapOid, uptime and the varbinds (OIDs without a leading dot) of one PDU. */
export function readNotification(pdu: NotificationPduLike): Pick<Notification, 'trapOid' | 'uptime' | 'varbinds'> {
  const varbinds = pdu.varbinds.map(norm);
  let trapOid: string | null = null;
  let uptime: number | null = null;
  if (pdu.type === V1_TRAP_PDU) {
    const g = pdu.generic ?? -1;
    trapOid = g >= 0 && g <= 5 ? `${SNMP_TRAPS}.${g + 1}` : (pdu.enterprise ? stripDot(pdu.enterprise) : null);
    uptime = typeof pdu.upTime === 'number' ? pdu.upTime : null;
  }
  for (const vb of varbinds) {
    if (vb.oid === SNMP_TRAP_OID && vb.value !== null) trapOid = stripDot(String(vb.value));
    else if (vb.oid === SYS_UPTIME_0) uptime = intOf(vb.value);
  }
  return { trapOid, uptime, varbinds };
}
