/**
 * SNMP connection flags of `dcprobe-agent probe KIND HOST[:PORT]`, shared by
 * every SNMP kind: flags → raw target settings for the kind's own schema (so
 * a probe uses exactly the agent's defaults and checks), and schema messages
 * named by the flag that sets the field, never by its value (it may be a key).
 * The flags are listed once (SNMP_PROBE_FLAGS): `probe --help` prints them and
 * each kind's probe refuses any flag not listed.
 */
import type { z } from 'zod';
import { DcprobeError, E } from '@dcprobe/shared';
import type { FlagSpec } from '@dcprobe/shared';

export type Flags = Record<string, string | boolean>;

/** Config field path → the flag that sets it. */
export const FLAG_FOR: Readonly<Record<string, string>> = {
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
  maxVarbinds: '--max-varbinds',
  bulk: '--bulk',
  port: 'HOST:PORT',
  host: 'HOST',
};

export const SNMP_PROBE_FLAGS: readonly FlagSpec[] = [
  { name: 'community', value: 'C', help: 'SNMPv1/v2c community' },
  { name: 'version', value: '1|2c|3', help: 'SNMP version (default 2c, or 3 with --v3-user)' },
  { name: 'v3-user', value: 'U', help: 'SNMPv3 user name' },
  { name: 'level', value: 'L', help: 'noAuthNoPriv|authNoPriv|authPriv (default: from the keys given)' },
  { name: 'auth-proto', value: 'P', help: 'md5|sha|sha224|sha256|sha384|sha512' },
  { name: 'auth-key', value: 'K', help: 'SNMPv3 authentication key' },
  { name: 'priv-proto', value: 'P', help: 'aes|aes256b|aes256r (des only where this Node.js offers it)' },
  { name: 'priv-key', value: 'K', help: 'SNMPv3 privacy key' },
  { name: 'timeout', value: 'MS', help: 'per-request timeout in milliseconds (default 1000)' },
  { name: 'retries', value: 'N', help: 'retries per request (default 1)' },
  { name: 'max-repetitions', value: 'N', help: 'GETBULK max-repetitions to start from (default: the agent\'s; halved when the device does not answer)' },
  { name: 'max-varbinds', value: 'N', help: 'most varbinds asked for in one request (default: the agent\'s)' },
  { name: 'bulk', value: 'auto|on|off', help: 'GETBULK use (default auto: falls back to GETNEXT for a device that needs it)' },
];

/** The names (no dashes) of a flag list, for a kind's check of what it was given. */
export function flagNames(flags: readonly FlagSpec[]): Set<string> {
  return new Set(flags.map((f) => f.name));
}

// `json` is the probe command's own flag; a caller may pass it along.
const KNOWN = new Set([...flagNames(SNMP_PROBE_FLAGS), 'json']);

const bad = (flag: string, why: string): DcprobeError => new DcprobeError(E.VALIDATION, `${flag}: ${why}`);

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`--${name}`, 'needs a value');
  return v;
}

function int(flags: Flags, name: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw bad(`--${name}`, 'must be a whole number');
  return Number(v);
}

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * Raw SNMP settings from the flags. A probe is interactive, so it answers
 * within seconds (1 s, 2 tries) unless told otherwise; everything else is the
 * target schema's default. On the command line the v3 level follows from the
 * keys given, unless said.
 */
export function snmpFlags(kind: string, flags: Flags): Record<string, unknown> {
  for (const f of Object.keys(flags)) if (!KNOWN.has(f)) throw bad(`--${f}`, `unknown flag for ${kind}`);
  const userName = str(flags, 'v3-user');
  const authKey = str(flags, 'auth-key');
  const privKey = str(flags, 'priv-key');
  const user = userName === undefined ? undefined : defined({
    name: userName,
    level: str(flags, 'level') ?? (privKey ? 'authPriv' : authKey ? 'authNoPriv' : 'noAuthNoPriv'),
    authProtocol: str(flags, 'auth-proto'),
    authKey,
    privProtocol: str(flags, 'priv-proto'),
    privKey,
  });
  return defined({
    version: str(flags, 'version') ?? (userName ? '3' : '2c'),
    community: str(flags, 'community'),
    user,
    timeoutMs: int(flags, 'timeout') ?? 1000,
    retries: int(flags, 'retries') ?? 1,
    maxRepetitions: int(flags, 'max-repetitions'),
    maxVarbinds: int(flags, 'max-varbinds'),
    bulk: str(flags, 'bulk'),
  });
}

/** A schema failure named by the flag that sets the field. */
export function flagError(err: z.ZodError): DcprobeError {
  const i = err.issues[0]!;
  const path = i.path.join('.');
  return bad(FLAG_FOR[path] ?? (path || 'target'), i.message);
}
