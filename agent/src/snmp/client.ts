/**
 * net-snmp behind the SnmpClient interface: GETs split to the device's size
 * limit, lockstep walks sized by RequestSizing (sizing.ts), SNMPv3 engine
 * rediscovery, and every failure a coded DcprobeError naming the device.
 * A class, not closures: an agent keeps one per target, thousands of them.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { DcprobeError } from '@dcprobe/shared';
import type { SnmpClient, SnmpTarget, VarBind, WalkOptions } from './types.ts';
import { describeTarget, failureOf, toError } from './errors.ts';
import { RawSession, type RawVb } from './session.ts';
import { RequestSizing } from './sizing.ts';
import type { SharedSockets } from './shared-socket.ts';
import { fastOids } from './fast-oid.ts';

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
  /** The agent's shared UDP sockets (shared-socket.ts); absent, each session opens its own. */
  sockets?: SharedSockets;
}

const norm = (vb: RawVb): VarBind => ({ oid: vb.oid, type: vb.type, value: END_TYPES.has(vb.type) ? null : (vb.value as VarBind['value']) });

/** Runs `jobs` with at most `n` at once, results in order. */
async function inOrder<T>(jobs: readonly (() => Promise<T>)[], n: number): Promise<T[]> {
  if (jobs.length === 1) return [await jobs[0]!()];
  const out = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) { const i = next++; out[i] = await jobs[i]!(); }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

/** One column walked in lockstep with others: where it is, and what it returned. */
interface Cursor { base: string; prefix: string; at: string; row: number; rows: VarBind[] }

/** The scalars a walk's first request carries, where their answers go, and who to tell. */
interface FirstRequest { scalars: readonly string[]; out: Map<string, VarBind[]>; onAnswer?: (() => void) | undefined }

class NetSnmpClient implements SnmpClient {
  readonly where: string;
  private readonly sizing: RequestSizing;
  private current: RawSession;
  /** The device ever answered this client: a GETBULK timeout is then worth a liveness check. */
  private everAnswered = false;

  constructor(private readonly t: SnmpTarget, private readonly o: SnmpClientOptions) {
    fastOids();
    this.where = describeTarget(t);
    this.sizing = new RequestSizing({ ...t, where: this.where, log: o.log, onChange: o.onMaxRepetitions, ...(o.now ? { now: o.now } : {}) });
    this.current = new RawSession(t, o.sockets?.module);
  }

  get(oids: readonly string[]): Promise<VarBind[]> {
    return this.getAll(oids).catch((err: unknown) => { throw this.coded(err); });
  }

  async walk(bases: readonly string[], opts: WalkOptions = {}): Promise<Map<string, VarBind[]>> {
    const out = new Map<string, VarBind[]>();
    const cursors = bases.map((base): Cursor => {
      const rows: VarBind[] = [];
      out.set(base, rows);
      const bare = base.replace(/^\./, '');
      return { base, prefix: `${bare}.`, at: bare, row: 0, rows };
    });
    const scalars = opts.scalars ?? [];
    const { perRequest } = this.sizing.walkPlan(bases.length, scalars.length);
    const groups: Cursor[][] = [];
    for (let i = 0; i < cursors.length; i += perRequest) groups.push(cursors.slice(i, i + perRequest));
    const first: FirstRequest = { scalars, out, onAnswer: opts.onFirstAnswer };
    try {
      await inOrder(groups.map((g, k) => () => this.walkGroup(g, k === 0 ? first : null, opts.upTo)), IN_FLIGHT);
    } catch (err) {
      throw this.coded(err);
    }
    return out;
  }

  close(): void {
    this.current.close();
  }

  private coded(err: unknown): DcprobeError {
    return err instanceof DcprobeError ? err : toError(err, this.t);
  }

  /**
   * One request on the current session. An SNMPv3 refusal on a session that
   * worked before usually means the device restarted and its engine boots,
   * time or ID changed (net-snmp keeps the old ones): a new session
   * rediscovers the engine, once, before the refusal counts. Requests in
   * flight on the old session retry on the new one.
   */
  private async request<R>(fn: (s: RawSession) => Promise<R>): Promise<R> {
    const used = this.current;
    try {
      const r = await fn(used);
      used.answered = this.everAnswered = true;
      this.sizing.answered();
      return r;
    } catch (err) {
      if (this.t.version !== '3' || failureOf(err) !== 'usm' || !used.answered) throw err;
      if (used === this.current) this.rediscover(err);
      const fresh = this.current;
      try {
        const r = await fn(fresh);
        fresh.answered = true;
        this.sizing.answered();
        return r;
      } catch (again) {
        throw failureOf(again) === 'usm' ? toError(again, this.t, true) : again;
      }
    }
  }

  private rediscover(err: unknown): void {
    const old = this.current;
    this.current = new RawSession(this.t, this.o.sockets?.module);
    this.o.log?.warn({ device: this.where, refused: toError(err, this.t).message },
      `SNMPv3 engine of ${this.where} no longer matches this session (the device restarted, or its engine ID, boots or time were reset): new session with engine discovery`);
    // Requests still in flight on the old session finish or time out before it closes.
    setTimeout(() => old.close(), this.t.timeoutMs * (this.t.retries + 1) + 1000).unref();
  }

  /** GETs of at most the cap each, a few in flight, results in order. */
  private getAll(oids: readonly string[]): Promise<VarBind[]> {
    const cap = this.sizing.maxVarbinds;
    if (oids.length <= cap) return this.getChunk(oids);
    const jobs: (() => Promise<VarBind[]>)[] = [];
    for (let i = 0; i < oids.length; i += cap) { const part = oids.slice(i, i + cap); jobs.push(() => this.getChunk(part)); }
    return inOrder(jobs, IN_FLIGHT).then((parts) => parts.flat());
  }

  /**
   * One GET request; a tooBig answer, or no answer from a device that still
   * answers a one-varbind GET, halves the cap and splits it.
   */
  private async getChunk(oids: readonly string[]): Promise<VarBind[]> {
    try {
      return (await this.request((s) => s.get(oids))).map(norm);
    } catch (err) {
      const f = failureOf(err);
      const retry = f === 'tooBig' ? this.sizing.getTooBig(oids.length)
        : f === 'timeout' && oids.length > 1 && this.sizing.getTimedOut(oids.length, await this.answersSmall());
      if (!retry) throw err;
      return this.getAll(oids);
    }
  }

  /**
   * Does the device still answer a one-varbind GET? Only asked of a device
   * that answered before: one that never did is unreachable, and a probe
   * would only double the wait before saying so.
   */
  private answersSmall(): Promise<boolean> {
    if (!this.everAnswered) return Promise.resolve(false);
    return this.request((s) => s.get([SYS_UPTIME_0])).then(() => true, () => false);
  }

  /**
   * The next rows after each cursor (and the scalars after `scalars`):
   * GETBULK at the current size, never more than `most` rows, or GETNEXT;
   * adapts and retries.
   */
  private async step(at: readonly string[], scalars: readonly string[], most: number): Promise<{ scalars: RawVb[]; cols: RawVb[][] }> {
    for (;;) {
      const plan = this.sizing.walkPlan(at.length, scalars.length);
      if (plan.reps === 0) {
        const rows = await this.request((s) => s.getNext([...scalars, ...at]));
        return { scalars: rows.slice(0, scalars.length).map((r) => r[0]!).filter(Boolean), cols: rows.slice(scalars.length) };
      }
      const reps = Math.min(plan.reps, most);
      try {
        const got = await this.request((s) => s.getBulk(scalars.length ? [...scalars, ...at] : at, reps, scalars.length));
        this.sizing.bulkAnswered();
        return got;
      } catch (err) {
        const f = failureOf(err);
        const retry = f === 'timeout' ? this.sizing.bulkTimedOut(reps, await this.answersSmall()) : f === 'tooBig' && this.sizing.bulkTooBig(reps);
        if (!retry) throw err;
      }
    }
  }

  /** Columns in lockstep: each keeps a cursor, one request advances them all. */
  private async walkGroup(group: readonly Cursor[], first: FirstRequest | null, upTo: number | undefined): Promise<void> {
    let active = group;
    let scalars = first?.scalars ?? [];
    while (active.length > 0) {
      // Rows left to the last one wanted (exact for contiguous indexes, an upper bound otherwise).
      let lowest = Infinity;
      for (const c of active) if (c.row < lowest) lowest = c.row;
      const most = upTo === undefined ? Infinity : Math.max(1, upTo - lowest);
      const got = await this.step(active.map((c) => c.at), scalars, most);
      if (first && scalars.length) {
        first.onAnswer?.();
        scalars.forEach((oid, i) => first.out.set(oid, got.scalars[i] && !END_TYPES.has(got.scalars[i]!.type) ? [got.scalars[i] as VarBind] : []));
        scalars = [];
      }
      active = active.filter((c, i) => advance(c, got.cols[i] ?? [], upTo));
    }
  }
}

/** Takes one column's rows from a response; false once the column has ended (or passed `upTo`). */
function advance(c: Cursor, got: readonly RawVb[], upTo: number | undefined): boolean {
  for (const raw of got) {
    // net-snmp gives OIDs without a leading dot.
    if (END_TYPES.has(raw.type) || !raw.oid.startsWith(c.prefix)) return false;
    if (upTo !== undefined) {
      c.row = Number(raw.oid.slice(c.prefix.length));
      if (c.row > upTo) return false;
    }
    c.rows.push(raw as VarBind);
    c.at = raw.oid;
    if (c.row === upTo) return false;
  }
  return got.length > 0;
}

export function openSnmp(t: SnmpTarget, opts: SnmpClientOptions = {}): SnmpClient {
  return new NetSnmpClient(t, opts);
}
