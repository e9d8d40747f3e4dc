/**
 * The SNMP library hides behind this small promise interface (snmp_exporter
 * style): sources only see `get`, `walk` and `close`. Unit tests use the
 * recording fake in fake.ts; integration tests net-snmp's own agent.
 */
export type VarValue = number | bigint | string | Buffer | null;

export interface VarBind {
  /** Numeric OID without a leading dot, e.g. `1.3.6.1.2.1.2.2.1.8.3`. */
  oid: string;
  /** net-snmp ObjectType number (Integer 2, OctetString 4, TimeTicks 67, NoSuchObject 128 …). */
  type: number;
  value: VarValue;
}

export interface SnmpClient {
  /** `host:port` (`[v6]:port`), for messages that must name the device. */
  readonly where: string;
  /**
   * GETs of `oids` (as many requests as the device's size limit needs);
   * varbinds that are noSuchObject/noSuchInstance come back with value null,
   * in the order asked.
   */
  get(oids: readonly string[]): Promise<VarBind[]>;
  /**
   * Walks one or more columns in lockstep with GETBULK (GETNEXT for v1, or
   * when the device needs it), returning every varbind under each base, in
   * OID order per base.
   */
  walk(bases: readonly string[], opts?: WalkOptions): Promise<Map<string, VarBind[]>>;
  close(): void;
}

export interface WalkOptions {
  /**
   * Scalars read by the walk's first request (GETBULK non-repeaters): each
   * given as the OID just before it (`1.3.6.1.2.1.1.3` for sysUpTime.0); the
   * varbind that follows comes back under that key, alone. One request less
   * than a GET beside the walk.
   */
  scalars?: readonly string[];
  /** Single-index tables: the highest row wanted; columns stop there instead of reading past it. */
  upTo?: number;
  /** Called when the first request is answered (the scalars' moment). */
  onFirstAnswer?: () => void;
}

export type SnmpVersion = '1' | '2c' | '3';
/** GETBULK use: `auto` adapts to the device (down to GETNEXT), `on` always asks the configured size, `off` walks with GETNEXT. */
export type BulkMode = 'auto' | 'on' | 'off';
export type AuthProto = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PrivProto = 'des' | 'aes' | 'aes256b' | 'aes256r';

export interface SnmpV3User {
  name: string;
  level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  authProtocol?: AuthProto;
  authKey?: string;
  privProtocol?: PrivProto;
  privKey?: string;
}

export interface SnmpTarget {
  host: string;
  port: number;
  version: SnmpVersion;
  community?: string;
  user?: SnmpV3User;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  retries: number;
  /** GETBULK max-repetitions (the most; `bulk: auto` may ask fewer). */
  maxRepetitions: number;
  /** Most varbinds in one request, and so in one response. */
  maxVarbinds: number;
  bulk: BulkMode;
}

/** Numeric OID helpers: compare and test containment without string tricks. */
export function oidParts(oid: string): number[] {
  return oid.replace(/^\./, '').split('.').map(Number);
}

export function isUnder(base: string, oid: string): boolean {
  const b = base.replace(/^\./, '');
  const o = oid.replace(/^\./, '');
  return o.length > b.length && o.startsWith(b) && o[b.length] === '.';
}

/** The index part of `oid` below `base` (`1.3.6.1.2.1.2.2.1.8.3` under `…1.8` → `3`). */
export function indexOf(base: string, oid: string): string {
  return oid.replace(/^\./, '').slice(base.replace(/^\./, '').length + 1);
}

/** The community (v1/v2c) or v3 user name a notification arrived with. */
export interface TrapCredential {
  community?: string;
  user?: string;
}

/** How a source matches a trap's sender: address and credential, or address alone (the weaker claim). */
export type TrapClaim = 'credential' | 'address';

/** An accepted SNMP notification, as the trap receiver hands it to the source that claims it. */
export interface Notification {
  /** Sender address, normalised (snmp/address.ts). */
  from: string;
  /** Agent clock, UTC ms. */
  receivedAt: number;
  version: '1' | '2c' | '3';
  /** snmpTrapOID.0 (v2c/v3), or the v1 generic/enterprise equivalent (RFC 3584). */
  trapOid: string | null;
  /** The sender's sysUpTime in the notification (centiseconds), when present. */
  uptime: number | null;
  varbinds: VarBind[];
}
