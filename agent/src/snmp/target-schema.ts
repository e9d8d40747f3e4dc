/**
 * SNMP connection settings shared by every SNMP kind (switch, UPS, PDU):
 * one schema, one set of cross-field checks, one conversion to SnmpTarget.
 * Kinds spread `snmpSettingsShape` into their own strict object and add
 * `checkSnmpSettings` as a refinement (zod cannot extend a refined object).
 * Messages carry the field path only, never a value: the config loader puts
 * `targets[2].` in front (`targets[2].community: required for version 2c`).
 */
import { createCipheriv } from 'node:crypto';
import { z } from 'zod';
import type { BulkMode, SnmpTarget, SnmpV3User, SnmpVersion } from './types.ts';

export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export const SECURITY_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;

/** RFC 3414 §11.2: passwords shorter than 8 characters are refused by agents. */
const MIN_KEY_LENGTH = 8;

/**
 * Whether this Node.js can do DES (SNMPv3 privProtocol des): OpenSSL 3 keeps
 * it in the legacy provider, off by default in Node 20, on with
 * `--openssl-legacy-provider`. Asked of the runtime, once.
 */
let des: boolean | undefined;
export function desAvailable(): boolean {
  if (des === undefined) {
    try { createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8)); des = true; } catch { des = false; }
  }
  return des;
}
const NO_DES = 'des is not available in this Node.js (OpenSSL 3 keeps DES in its legacy provider, which is off): use aes, or run node with --openssl-legacy-provider';

export const v3UserSchema = z.strictObject({
  name: z.string().min(1),
  level: z.enum(SECURITY_LEVELS),
  authProtocol: z.enum(AUTH_PROTOCOLS).optional(),
  authKey: z.string().optional(),
  privProtocol: z.enum(PRIV_PROTOCOLS).optional(),
  privKey: z.string().optional(),
});

// YAML reads `version: 1` and `version: 3` as numbers and `version: 2c` as a string.
const versionSchema = z.union([
  z.enum(['1', '2c', '3']),
  z.literal(1).transform(() => '1' as const),
  z.literal(3).transform(() => '3' as const),
]);

export const snmpSettingsShape = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(161),
  version: versionSchema.default('2c'),
  community: z.string().min(1).optional(),
  user: v3UserSchema.optional(),
  timeoutMs: z.number().int().min(10).max(60_000).default(2000),
  retries: z.number().int().min(0).max(10).default(1),
  /** GETBULK max-repetitions: the most asked; `bulk: auto` halves it for a device that does not answer. */
  maxRepetitions: z.number().int().min(1).max(200).default(25),
  /** Most varbinds in one request (and so in one response): under the 64 of many embedded agents. */
  maxVarbinds: z.number().int().min(1).max(500).default(48),
  bulk: z.enum(['auto', 'on', 'off']).default('auto'),
};

export interface SnmpSettings {
  host: string;
  port: number;
  version: SnmpVersion;
  community?: string | undefined;
  user?: SnmpV3User | undefined;
  timeoutMs: number;
  retries: number;
  maxRepetitions: number;
  maxVarbinds: number;
  bulk: BulkMode;
}

type Ctx = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };

function need(ctx: Ctx, present: unknown, path: (string | number)[], why: string): void {
  if (present === undefined || present === '') ctx.addIssue({ code: 'custom', path, message: `required for ${why}` });
}

function unused(ctx: Ctx, present: unknown, path: (string | number)[], why: string): void {
  // A key given where it is ignored usually means a typo in version or level: say so.
  if (present !== undefined) ctx.addIssue({ code: 'custom', path, message: `not used with ${why}` });
}

export function checkV3User(u: SnmpV3User, ctx: Ctx, at: (string | number)[] = ['user']): void {
  const level = `level ${u.level}`;
  if (u.level === 'noAuthNoPriv') {
    unused(ctx, u.authProtocol, [...at, 'authProtocol'], level);
    unused(ctx, u.authKey, [...at, 'authKey'], level);
  } else {
    need(ctx, u.authProtocol, [...at, 'authProtocol'], level);
    need(ctx, u.authKey, [...at, 'authKey'], level);
    if (u.authKey !== undefined && u.authKey !== '' && u.authKey.length < MIN_KEY_LENGTH) {
      ctx.addIssue({ code: 'custom', path: [...at, 'authKey'], message: `must be at least ${MIN_KEY_LENGTH} characters` });
    }
  }
  if (u.level === 'authPriv') {
    need(ctx, u.privProtocol, [...at, 'privProtocol'], level);
    need(ctx, u.privKey, [...at, 'privKey'], level);
    if (u.privKey !== undefined && u.privKey !== '' && u.privKey.length < MIN_KEY_LENGTH) {
      ctx.addIssue({ code: 'custom', path: [...at, 'privKey'], message: `must be at least ${MIN_KEY_LENGTH} characters` });
    }
    if (u.privProtocol === 'des' && !desAvailable()) ctx.addIssue({ code: 'custom', path: [...at, 'privProtocol'], message: NO_DES });
  } else {
    unused(ctx, u.privProtocol, [...at, 'privProtocol'], level);
    unused(ctx, u.privKey, [...at, 'privKey'], level);
  }
}

/** Cross-field checks: community for v1/v2c, a complete user for v3. */
export function checkSnmpSettings(s: SnmpSettings, ctx: Ctx): void {
  const version = `version ${s.version}`;
  if (s.version === '3') {
    unused(ctx, s.community, ['community'], version);
    need(ctx, s.user, ['user'], version);
    if (s.user) checkV3User(s.user, ctx);
  } else {
    need(ctx, s.community, ['community'], version);
    unused(ctx, s.user, ['user'], version);
  }
  if (s.version === '1' && s.bulk === 'on') ctx.addIssue({ code: 'custom', path: ['bulk'], message: 'not available with version 1 (SNMPv1 has no GETBULK)' });
}

export const snmpSettingsSchema = z.strictObject(snmpSettingsShape).superRefine(checkSnmpSettings);

/** The validated settings as the client wants them (drops nothing the client needs). */
export function toSnmpTarget(s: SnmpSettings): SnmpTarget {
  const t: SnmpTarget = {
    host: s.host,
    port: s.port,
    version: s.version,
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    maxRepetitions: s.maxRepetitions,
    maxVarbinds: s.maxVarbinds,
    bulk: s.bulk,
  };
  if (s.version === '3') t.user = { ...s.user! };
  else t.community = s.community!;
  return t;
}
