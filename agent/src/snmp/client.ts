/**
 * net-snmp behind the SnmpClient interface: GETs split to the device's size
 * limit, lockstep walks sized by RequestSizing (sizing.ts), SNMPv3 engine
 * rediscovery, and every failure a coded DcprobeError naming the device.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { DcprobeError } from '@dcprobe/shared';
import type { SnmpClient, SnmpTarget, VarBind } from './types.ts';
import { isUnder } from './types.ts';
import { describeTarget, failureOf, toError } from './errors.ts';
import { openSession, type RawSession, type RawVb } from './session.ts';
import { RequestSizing } from './sizing.ts';

const END_TYPES = new Set([snmp.ObjectType.EndOfMibView, snmp.ObjectType.NoSuchObject, snmp.ObjectType.NoSuchInstance]);
/** Requests of one GET or walk in flight at once; snmpd drops requests past its socket buffer (~8 is fastest there). */
const IN_FLIGHT = 4;
/** Asked after a GETBULK timed out: does the device still answer a one-varbind GET? */
const SYS_UPTIME_0 = '1.3.6.1.2.1.1.3.0';

export interface SnmpClientOptions {
  log?: Logger;
  /** Told the GETBULK max-repetitions in use, and every change (0: GETNEXT). */
  onMaxRepetitions?: (n: number) => void;
  /** Clock for retrying a shrunk size (default Date.now). */
  now?: () => number;
}

function norm(vb: RawVb): VarBind {
  const value = END_TYPES.has(vb.type) ? null : (vb.value as VarBind['value']);
  return { oid: vb.oid, type: vb.type, value };
}

/** Runs `jobs` with at most `n` at once, results in order. */
async function inOrder<T>(jobs: readonly (() => Promise<T>)[], n: number): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) { const i = next++; out[i] = await jobs[i]!(); }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

export function openSnmp(t: SnmpTarget, opts: SnmpClientOptions = {}): SnmpClient {
  const where = describeTarget(t);
  const sizing = new RequestSizing({ ...t, where, log: opts.log, onChange: opts.onMaxRepetitions, ...(opts.now ? { now: opts.now } : {}) });
  /** The session in use, and whether the device ever answered on it (for v3 rediscovery). */
  let current = { session: openSession(t), answered: false };
  /** The device ever answered this client: a GETBULK timeout is then worth a liveness check. */
  let everAnswered = false;

  /**
   * One request on the current session. An SNMPv3 refusal on a session that
   * worked before usually means the device restarted and its engine boots,
   * time or ID changed (net-snmp keeps the old ones): a new session
   * rediscovers the engine, once, before the refusal counts. Requests in
   * flight on the old session retry on the new one.
   */
  async function request<R>(fn: (s: RawSession) => Promise<R>): Promise<R> {
    const used = current;
    try {
      const r = await fn(used.session);
      used.answered = everAnswered = true;
      sizing.answered();
      return r;
    } catch (err) {
      if (t.version !== '3' || failureOf(err) !== 'usm' || !used.answered) throw err;
      if (used === current) rediscover(err);
      const fresh = current;
      try {
        const r = await fn(fresh.session);
        fresh.answered = true;
        sizing.answered();
        return r;
      } catch (again) {
        throw failureOf(again) === 'usm' ? toError(again, t, true) : again;
      }
    }
  }

  function rediscover(err: unknown): void {
    const old = current.session;
    current = { session: openSession(t), answered: false };
    opts.log?.warn({ device: where, refused: toError(err, t).message },
      `SNMPv3 engine of ${where} no longer matches this session (the device restarted, or its engine ID, boots or time were reset): new session with engine discovery`);
    // Requests still in flight on the old session finish or time out before it closes.
    setTimeout(() => old.close(), t.timeoutMs * (t.retries + 1) + 1000).unref();
  }

  const coded = (err: unknown): DcprobeError => (err instanceof DcprobeError ? err : toError(err, t));

  /** One GET request of at most the cap; halves on tooBig. */
  async function getChunk(oids: readonly string[]): Promise<VarBind[]> {
    try {
      return (await request((s) => s.get(oids))).map(norm);
    } catch (err) {
      if (failureOf(err) !== 'tooBig' || !sizing.getTooBig(oids.length)) throw err;
      return getAll(oids);
    }
  }

  function getAll(oids: readonly string[]): Promise<VarBind[]> {
    const cap = sizing.maxVarbinds;
    if (oids.length <= cap) return getChunk(oids);
    const jobs: (() => Promise<VarBind[]>)[] = [];
    for (let i = 0; i < oids.length; i += cap) { const part = oids.slice(i, i + cap); jobs.push(() => getChunk(part)); }
    return inOrder(jobs, IN_FLIGHT).then((parts) => parts.flat());
  }

  /**
   * Does the device still answer a one-varbind GET? Only asked of a device
   * that answered before: one that never did is unreachable, and a probe
   * would only double the wait before saying so.
   */
  const answersSmall = (): Promise<boolean> =>
    everAnswered ? request((s) => s.get([SYS_UPTIME_0])).then(() => true, () => false) : Promise.resolve(false);

  /** The next rows after each cursor: GETBULK at the current size, or GETNEXT; adapts and retries. */
  async function step(cursors: readonly string[]): Promise<RawVb[][]> {
    for (;;) {
      const { reps } = sizing.walkPlan(cursors.length);
      if (reps === 0) return request((s) => s.getNext(cursors));
      try {
        const rows = await request((s) => s.getBulk(cursors, reps));
        sizing.bulkAnswered();
        return rows;
      } catch (err) {
        const f = failureOf(err);
        const retry = f === 'timeout' ? sizing.bulkTimedOut(reps, await answersSmall()) : f === 'tooBig' && sizing.bulkTooBig(reps);
        if (!retry) throw err;
      }
    }
  }

  /** Columns in lockstep: each keeps a cursor, one request advances them all. */
  async function walkGroup(bases: readonly string[], out: Map<string, VarBind[]>): Promise<void> {
    let active = bases.map((base) => ({ base, cursor: base, rows: out.get(base)! }));
    while (active.length > 0) {
      const cols = await step(active.map((a) => a.cursor));
      active = active.filter((a, i) => {
        const got = cols[i] ?? [];
        for (const raw of got) {
          if (END_TYPES.has(raw.type) || !isUnder(a.base, raw.oid)) return false;
          a.rows.push(norm(raw));
          a.cursor = raw.oid;
        }
        return got.length > 0;
      });
    }
  }

  async function walk(bases: readonly string[]): Promise<Map<string, VarBind[]>> {
    const out = new Map<string, VarBind[]>(bases.map((b) => [b, []]));
    const { perRequest } = sizing.walkPlan(bases.length);
    const groups: string[][] = [];
    for (let i = 0; i < bases.length; i += perRequest) groups.push(bases.slice(i, i + perRequest));
    await inOrder(groups.map((g) => () => walkGroup(g, out)), IN_FLIGHT);
    return out;
  }

  return {
    where,
    get: (oids) => getAll(oids).catch((err: unknown) => { throw coded(err); }),
    walk: (bases) => walk(bases).catch((err: unknown) => { throw coded(err); }),
    close: () => current.session.close(),
  };
}
