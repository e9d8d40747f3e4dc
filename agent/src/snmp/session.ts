/**
 * One net-snmp session as promises: GET, GETNEXT and GETBULK of raw
 * varbinds. SNMPv1 has no per-varbind exceptions: one missing OID (or the
 * end of the MIB on GETNEXT) fails the whole PDU with noSuchName, so such a
 * request is split until the culprits are alone, and they get v2c's shape
 * (noSuchInstance for GET, "no more rows" for GETNEXT). A class, not
 * closures: an agent keeps one per target, thousands of them.
 */
import snmp from 'net-snmp';
import type { SnmpTarget, SnmpV3User } from './types.ts';
import { failureOf } from './errors.ts';

export interface RawVb { oid: string; type: number; value: unknown }

/** net-snmp's v3 user fields from ours (shared by the client, the sim and the trap receiver). */
export function v3UserOptions(u: SnmpV3User): Record<string, unknown> {
  return {
    level: snmp.SecurityLevel[u.level],
    ...(u.authProtocol ? { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey } : {}),
    ...(u.privProtocol ? { privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey } : {}),
  };
}

function makeSession(t: SnmpTarget, dgramModule: unknown): any {
  const common = {
    ...(dgramModule ? { dgramModule } : {}),
    port: t.port,
    retries: t.retries,
    timeout: t.timeoutMs,
    transport: t.host.includes(':') ? 'udp6' : 'udp4',
    idBitsSize: 32 as const,
  };
  if (t.version === '3') {
    const u = t.user!;
    return snmp.createV3Session(t.host, { name: u.name, ...v3UserOptions(u) }, { ...common, version: snmp.Version3 });
  }
  return snmp.createSession(t.host, t.community ?? 'public', {
    ...common,
    version: t.version === '1' ? snmp.Version1 : snmp.Version2c,
  });
}

const ignore = (): void => {};
const NONE: RawVb[] = [];

export class RawSession {
  /** Whether the device ever answered on this session (for SNMPv3 rediscovery). */
  answered = false;
  private readonly session: any;
  private readonly v1: boolean;

  /** `dgramModule`: the agent's shared sockets (shared-socket.ts); absent, the session opens its own. */
  constructor(t: SnmpTarget, dgramModule?: unknown) {
    this.session = makeSession(t, dgramModule);
    this.v1 = t.version === '1';
    // A socket error after close must not crash the agent: the request's own callback reports it.
    this.session.on('error', ignore);
  }

  async get(oids: readonly string[]): Promise<RawVb[]> {
    try {
      return await this.call<RawVb[]>('get', oids);
    } catch (err) {
      if (!this.v1NoSuchName(err)) throw err;
      if (oids.length === 1) return [{ oid: oids[0]!, type: snmp.ObjectType.NoSuchInstance, value: null }];
      const half = Math.ceil(oids.length / 2);
      return [...await this.get(oids.slice(0, half)), ...await this.get(oids.slice(half))];
    }
  }

  /** One varbind per OID, or none where the walk of that OID ended (v1). */
  async getNext(oids: readonly string[]): Promise<RawVb[][]> {
    try {
      return (await this.call<RawVb[]>('getNext', oids)).map((vb) => [vb]);
    } catch (err) {
      if (!this.v1NoSuchName(err)) throw err;
      if (oids.length === 1) return [[]];
      return (await Promise.all(oids.map((o) => this.getNext([o])))).flat();
    }
  }

  /**
   * The varbind after each of the first `nonRepeaters` OIDs, then up to
   * `reps` after each of the others. net-snmp only reads `oids`.
   */
  getBulk(oids: readonly string[], reps: number, nonRepeaters = 0): Promise<{ scalars: RawVb[]; cols: RawVb[][] }> {
    return new Promise((resolve, reject) => {
      this.session.getBulk(oids, nonRepeaters, reps, (err: unknown, vbs: (RawVb | RawVb[])[]) => {
        if (err) { reject(err); return; }
        resolve(nonRepeaters
          ? { scalars: vbs.slice(0, nonRepeaters) as RawVb[], cols: vbs.slice(nonRepeaters) as RawVb[][] }
          : { scalars: NONE, cols: vbs as RawVb[][] });
      });
    });
  }

  close(): void {
    try { this.session.close(); } catch { /* already closed */ }
  }

  private call<R>(fn: 'get' | 'getNext', oids: readonly string[]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.session[fn]([...oids], (err: unknown, vbs: R) => (err ? reject(err) : resolve(vbs)));
    });
  }

  private v1NoSuchName(err: unknown): boolean {
    return this.v1 && failureOf(err) === 'noSuchName';
  }
}
