/**
 * net-snmp behind the SnmpClient interface. Library callbacks become promises
 * here, once; errors become coded DcprobeErrors whose messages name the target
 * (host:port) but never the community or keys.
 */
import snmp from 'net-snmp';
import { DcprobeError, E } from '@dcprobe/shared';
import type { SnmpClient, SnmpTarget, VarBind } from './types.ts';
import { isUnder } from './types.ts';

const END_TYPES = new Set([snmp.ObjectType.EndOfMibView, snmp.ObjectType.NoSuchObject, snmp.ObjectType.NoSuchInstance]);

export function describeTarget(t: Pick<SnmpTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function toError(err: unknown, t: SnmpTarget): DcprobeError {
  const where = describeTarget(t);
  const tries = t.retries + 1;
  if (err instanceof snmp.RequestTimedOutError) {
    return new DcprobeError(E.SNMP_TIMEOUT, `no response from ${where} after ${tries} ${tries === 1 ? 'try' : 'tries'}`);
  }
  const msg = err instanceof Error ? err.message : String(err);
  // net-snmp reports USM failures (unknown user, wrong digest/key) as response reports.
  if (/usm|authentication|decrypt|digest|unknown user|wrong/i.test(msg)) {
    return new DcprobeError(E.SNMP_AUTH, `SNMPv3 credentials rejected by ${where}`, { cause: err });
  }
  return new DcprobeError(E.SNMP_ERROR, `SNMP error from ${where}: ${msg}`, { cause: err });
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
    const user = {
      name: u.name,
      level: snmp.SecurityLevel[u.level],
      ...(u.authProtocol ? { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey } : {}),
      ...(u.privProtocol ? { privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey } : {}),
    };
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

  const get = (oids: readonly string[]): Promise<VarBind[]> =>
    new Promise((resolve, reject) => {
      session.get([...oids], (err: unknown, vbs: { oid: string; type: number; value: unknown }[]) => {
        if (err) reject(toError(err, t));
        else resolve(vbs.map(norm));
      });
    });

  const bulk = (oids: string[]): Promise<VarBind[][]> =>
    new Promise((resolve, reject) => {
      if (t.version === '1') {
        session.getNext(oids, (err: unknown, vbs: { oid: string; type: number; value: unknown }[]) => {
          if (err) reject(toError(err, t));
          else resolve(vbs.map((vb) => [norm(vb)]));
        });
        return;
      }
      session.getBulk(oids, 0, t.maxRepetitions, (err: unknown, vbs: { oid: string; type: number; value: unknown }[][]) => {
        if (err) reject(toError(err, t));
        else resolve(vbs.map((col) => col.map(norm)));
      });
    });

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
