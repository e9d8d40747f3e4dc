/**
 * What `dcprobe-agent probe snmp-switch HOST[:PORT] …` needs from this kind:
 * flags → a validated target listing every interface, and how to print one
 * reading. Errors name the flag, never its value (it may be a key).
 */
import { DcprobeError, E } from '@dcprobe/shared';
import type { Reading } from '../sources/types.ts';
import type { ProbeSupport } from '../sources/types.ts';
import { probeTargetName } from '../sources/target-name.ts';
import { ADMIN_STATUS, OPER_NAMES } from '../profiles/if-mib.ts';
import type { ZodType } from 'zod';

type Flags = Record<string, string | boolean>;

/** Config field path → the flag that sets it, so schema messages point at the command line. */
const FLAG_FOR: Record<string, string> = {
  community: '--community',
  version: '--version',
  user: '--v3-user',
  'user.name': '--v3-user',
  'user.level': '--level',
  'user.authProtocol': '--auth-proto',
  'user.authKey': '--auth-key',
  'user.privProtocol': '--priv-proto',
  'user.privKey': '--priv-key',
  timeoutMs: '--timeout',
  retries: '--retries',
  maxRepetitions: '--max-repetitions',
  port: 'HOST:PORT',
  host: 'HOST',
};
const KNOWN = new Set(Object.values(FLAG_FOR).filter((f) => f.startsWith('--')).map((f) => f.slice(2)));

function bad(flag: string, why: string): DcprobeError {
  return new DcprobeError(E.VALIDATION, `${flag}: ${why}`);
}

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`--${name}`, 'needs a value');
  return v;
}

function int(flags: Flags, name: string, dflt: number): number {
  const v = str(flags, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw bad(`--${name}`, 'must be a whole number');
  return Number(v);
}


export function switchProbe<T extends { kind: 'snmp-switch'; name: string; intervalSeconds: number }>(schema: ZodType<T>): ProbeSupport<T> {
  return {
    defaultPort: 161,
    target(host, port, flags) {
      for (const f of Object.keys(flags)) if (!KNOWN.has(f)) throw bad(`--${f}`, 'unknown flag for snmp-switch');
      const userName = str(flags, 'v3-user');
      const authKey = str(flags, 'auth-key');
      const privKey = str(flags, 'priv-key');
      // On the command line the level follows from the keys given, unless said.
      const level = str(flags, 'level') ?? (privKey ? 'authPriv' : authKey ? 'authNoPriv' : 'noAuthNoPriv');
      const raw = {
        kind: 'snmp-switch', name: probeTargetName(host, 'switch'), host, port,
        version: str(flags, 'version') ?? (userName ? '3' : '2c'),
        ...(str(flags, 'community') !== undefined ? { community: str(flags, 'community') } : {}),
        ...(userName !== undefined ? {
          user: {
            name: userName, level,
            ...(str(flags, 'auth-proto') ? { authProtocol: str(flags, 'auth-proto') } : {}),
            ...(authKey !== undefined ? { authKey } : {}),
            ...(str(flags, 'priv-proto') ? { privProtocol: str(flags, 'priv-proto') } : {}),
            ...(privKey !== undefined ? { privKey } : {}),
          },
        } : {}),
        // A probe is interactive: answer within seconds, not the poller's patient defaults.
        timeoutMs: int(flags, 'timeout', 1000),
        retries: int(flags, 'retries', 1),
        ...(flags['max-repetitions'] !== undefined ? { maxRepetitions: int(flags, 'max-repetitions', 25) } : {}),
        ports: 'all',
      };
      const parsed = schema.safeParse(raw);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0]!;
      const path = issue.path.join('.');
      // zod's own messages for enums list the allowed values, never the value given.
      throw bad(FLAG_FOR[path] ?? path, issue.message);
    },
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
