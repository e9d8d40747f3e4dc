/**
 * SNMP connection flags of `dcprobe-agent probe KIND HOST[:PORT]`, shared by
 * every SNMP kind: flags → raw target settings for the kind's own schema (so
 * a probe uses exactly the agent's defaults and checks), and schema messages
 * named by the flag that sets the field, never by its value (it may be a key).
 */
import type { z } from 'zod';
import { DcprobeError, E } from '@dcprobe/shared';

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
const KNOWN = new Set([...Object.values(FLAG_FOR).filter((f) => f.startsWith('--')).map((f) => f.slice(2)), 'json']);

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
export function snmpFlags(kind: string, flags: Flags, o: { defaultCommunity?: string } = {}): Record<string, unknown> {
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
    community: str(flags, 'community') ?? (userName ? undefined : o.defaultCommunity),
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
