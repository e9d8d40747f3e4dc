/**
 * net-snmp behind the SnmpClient interface. Library callbacks become promises
 * here, once; errors become coded DcprobeErrors whose messages name the target
 * (host:port) but never the community or keys.
 */
import snmp from 'net-snmp';
import { DcprobeError, E } from '@dcprobe/shared';
import type { SnmpClient, SnmpTarget, SnmpV3User, VarBind } from './types.ts';
import { isUnder } from './types.ts';

const END_TYPES = new Set([snmp.ObjectType.EndOfMibView, snmp.ObjectType.NoSuchObject, snmp.ObjectType.NoSuchInstance]);

export function describeTarget(t: Pick<SnmpTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

const RIC = snmp.ResponseInvalidCode;
// Failures that mean "the agent does not accept these credentials".
const AUTH_CODES = new Set([RIC.EAuthFailure, RIC.ECouldNotDecrypt, RIC.ENotInTimeWindow]);

/**
 * Branches on the library's error class and code, never on its text: some
 * net-snmp messages quote the community (ECommunityNoMatch), so only our own
 * wording and fixed USM status names reach the message, and no library error
 * rides along as `cause` unless its text is known to be safe.
 */
function toError(err: unknown, t: SnmpTarget): DcprobeError {
  const where = describeTarget(t);
  const tries = t.retries + 1;
  if (err instanceof snmp.RequestTimedOutError) {
    return new DcprobeError(E.SNMP_TIMEOUT, `no response from ${where} after ${tries} ${tries === 1 ? 'try' : 'tries'}`);
  }
  if (err instanceof snmp.ResponseInvalidError) {
    const code = (err as { code?: number }).code;
    const name = code !== undefined ? String(RIC[code] ?? code) : 'unknown';
    if (code !== undefined && AUTH_CODES.has(code)) {
      // USM report texts are fixed strings ("Unknown User Name", "Wrong Digest …").
      const usm = code === RIC.EAuthFailure ? `: ${(err as Error).message}` : ` (${name})`;
      return new DcprobeError(E.SNMP_AUTH, `SNMPv3 credentials rejected by ${where}${usm}`);
    }
    return new DcprobeError(E.SNMP_ERROR, `invalid response from ${where} (${name})`);
  }
  if (err instanceof snmp.RequestFailedError) {
    // errorStatus names and OIDs only ("NoSuchName: 1.3.6…").
    return new DcprobeError(E.SNMP_ERROR, `SNMP error from ${where}: ${(err as Error).message}`, { cause: err });
  }
  const name = err instanceof Error ? err.name : typeof err;
  return new DcprobeError(E.SNMP_ERROR, `SNMP failure talking to ${where} (${name})`);
}

/** net-snmp's v3 user fields from ours (shared by the client, the sim and the trap receiver). */
export function v3UserOptions(u: SnmpV3User): Record<string, unknown> {
  return {
    level: snmp.SecurityLevel[u.level],
    ...(u.authProtocol ? { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey } : {}),
    ...(u.privProtocol ? { privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey } : {}),
  };
}

function norm(vb: { oid: string; type: number; value: unknown }): VarBind {
  const value = END_TYPES.has(vb.type) ? null : (vb.value as VarBind['value']);
  return { oid: vb.oid, type: vb.type, value };
}

function makeSession(t: SnmpTarget): any {
  const common = {
    port: t.port,
    retries: t.retries,
    timeout: t.timeoutMs,
    transport: t.host.includes(':') ? 'udp6' : 'udp4',
    idBitsSize: 32 as const,
  };
  if (t.version === '3') {
    const u = t.user!;
    const user = { name: u.name, ...v3UserOptions(u) };
    return snmp.createV3Session(t.host, user, { ...common, version: snmp.Version3 });
  }
  return snmp.createSession(t.host, t.community ?? 'public', {
    ...common,
    version: t.version === '1' ? snmp.Version1 : snmp.Version2c,
  });
}

export function openSnmp(t: SnmpTarget): SnmpClient {
  const session = makeSession(t);
  // A socket error after close must not crash the agent: log at the poll loop instead.
  session.on('error', () => {});

  type RawVb = { oid: string; type: number; value: unknown };
  const call = <R>(fn: 'get' | 'getNext', oids: readonly string[]): Promise<R> =>
    new Promise((resolve, reject) => {
      session[fn]([...oids], (err: unknown, vbs: R) => (err ? reject(err) : resolve(vbs)));
    });

  /**
   * SNMPv1 has no per-varbind exceptions: one missing OID (or the end of the
   * MIB on GETNEXT) fails the whole PDU with noSuchName. Split the request
   * until the culprits are alone, and give them v2c's shape instead
   * (noSuchInstance for GET, "no more rows" for GETNEXT).
   */
  const isNoSuchName = (err: unknown): boolean =>
    t.version === '1' && err instanceof snmp.RequestFailedError && (err as { status?: number }).status === snmp.ErrorStatus.NoSuchName;

  async function getRaw(oids: readonly string[]): Promise<RawVb[]> {
    try {
      return await call<RawVb[]>('get', oids);
    } catch (err) {
      if (!isNoSuchName(err)) throw err;
      if (oids.length === 1) return [{ oid: oids[0]!, type: snmp.ObjectType.NoSuchInstance, value: null }];
      const half = Math.ceil(oids.length / 2);
      return [...await getRaw(oids.slice(0, half)), ...await getRaw(oids.slice(half))];
    }
  }

  async function nextRaw(oids: readonly string[]): Promise<RawVb[][]> {
    try {
      return (await call<RawVb[]>('getNext', oids)).map((vb) => [vb]);
    } catch (err) {
      if (!isNoSuchName(err)) throw err;
      if (oids.length === 1) return [[]];
      return (await Promise.all(oids.map((o) => nextRaw([o])))).flat();
    }
  }

  const get = async (oids: readonly string[]): Promise<VarBind[]> => {
    try {
      return (await getRaw(oids)).map(norm);
    } catch (err) {
      throw toError(err, t);
    }
  };

  const bulk = async (oids: string[]): Promise<VarBind[][]> => {
    try {
      if (t.version === '1') return (await nextRaw(oids)).map((col) => col.map(norm));
      const cols = await new Promise<RawVb[][]>((resolve, reject) => {
        session.getBulk(oids, 0, t.maxRepetitions, (err: unknown, vbs: RawVb[][]) => (err ? reject(err) : resolve(vbs)));
      });
      return cols.map((col) => col.map(norm));
    } catch (err) {
      throw toError(err, t);
    }
  };

  async function walk(bases: readonly string[]): Promise<Map<string, VarBind[]>> {
    const out = new Map<string, VarBind[]>(bases.map((b) => [b, []]));
    // Each active column keeps a cursor; one GETBULK advances all of them at once.
    let active = bases.map((base) => ({ base, cursor: base }));
    while (active.length > 0) {
      const cols = await bulk(active.map((a) => a.cursor));
      const next: typeof active = [];
      active.forEach((a, i) => {
        const rows = cols[i] ?? [];
        let done = rows.length === 0;
        for (const vb of rows) {
          if (vb.value === null && END_TYPES.has(vb.type)) { done = true; break; }
          if (!isUnder(a.base, vb.oid)) { done = true; break; }
          out.get(a.base)!.push(vb);
          a.cursor = vb.oid;
        }
        if (!done) next.push(a);
      });
      active = next;
    }
    return out;
  }

  return { get, walk, close: () => { try { session.close(); } catch { /* already closed */ } } };
}
