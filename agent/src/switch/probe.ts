/**
 * What `dcprobe-agent probe snmp-switch HOST[:PORT] …` needs from this kind:
 * flags → a validated target listing every interface (snmp/probe-flags.ts),
 * and how to print one reading. Errors name the flag, never its value.
 */
import type { Reading } from '../sources/types.ts';
import type { ProbeSupport } from '../sources/types.ts';
import { probeTargetName } from '../sources/target-name.ts';
import { SNMP_PROBE_FLAGS, flagError, snmpFlags } from '../snmp/probe-flags.ts';
import { ADMIN_STATUS, OPER_NAMES } from '../profiles/if-mib.ts';
import type { ZodType } from 'zod';

export function switchProbe<T extends { kind: 'snmp-switch'; name: string; intervalSeconds: number }>(schema: ZodType<T>): ProbeSupport<T> {
  return {
    defaultPort: 161,
    flags: SNMP_PROBE_FLAGS,
    target(host, port, flags) {
      const raw = { kind: 'snmp-switch', name: probeTargetName(host, 'switch'), host, port, ...snmpFlags('snmp-switch', flags), ports: 'all' };
      const parsed = schema.safeParse(raw);
      if (parsed.success) return parsed.data;
      // zod's own messages for enums list the allowed values, never the value given.
      throw flagError(parsed.error);
    },
    none: 'lists no interfaces (its ifTable is empty, or not served to this community or user)',
    json(r: Reading) {
      const e = r.evidence;
      return {
        ifIndex: e.ifIndex ?? null,
        ifName: e.ifName,
        ifAlias: e.ifAlias ?? '',
        ifDescr: e.ifDescr ?? '',
        state: r.state,
        admin: typeof e.ifAdminStatus === 'number' ? (ADMIN_STATUS[e.ifAdminStatus] ?? null) : null,
        ifOperStatus: e.ifOperStatus ?? null,
        ifAdminStatus: e.ifAdminStatus ?? null,
        ifLastChange: e.ifLastChange ?? null,
        sysUpTime: e.sysUpTime ?? null,
        subject: r.subject,
      };
    },
    text(r: Reading) {
      const e = r.evidence;
      const oper = typeof e.ifOperStatus === 'number' ? (OPER_NAMES[e.ifOperStatus] ?? String(e.ifOperStatus)) : '-';
      const admin = typeof e.ifAdminStatus === 'number' ? (ADMIN_STATUS[e.ifAdminStatus] ?? String(e.ifAdminStatus)) : '-';
      return [
        String(e.ifIndex ?? '-').padStart(6), String(e.ifName).padEnd(16), r.state.padEnd(8),
        `oper=${oper}`.padEnd(20), `admin=${admin}`.padEnd(14), String(e.ifAlias ?? ''),
      ].join(' ').trimEnd();
    },
  };
}
