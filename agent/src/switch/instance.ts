/**
 * One polled switch: keeps the ifIndex ↔ ifName map, re-learns it on the
 * configured cron schedule, when sysUpTime shows a reboot, and when a polled
 * row vanishes; turns each poll into one reading per polled port.
 *
 * A large agent polls 100,000 ports: per port it keeps one Port (names,
 * subject id, what the last poll read, updated in place), nothing per poll.
 */
import type { Logger } from 'pino';
import type { PollContext, Reading, SourceDeps, SourceInstance, TrapOutcome } from '../sources/types.ts';
import type { Notification, SnmpClient, TrapClaim, TrapCredential } from '../snmp/types.ts';
import { portSubjectId, type PortState } from '@dcprobe/shared';
import { ADMIN_STATUS, OPER_STATE } from '../profiles/if-mib.ts';
import { hiddenFlap } from './hidden-flap.ts';
import { discover, selectPorts, type IfInfo, type PortSelector } from './interfaces.ts';
import { readAdmin, readStatus, strategy, type IfStatus, type StatusRead } from './status.ts';
import { isRestart, linkEvent } from './trap-map.ts';
import { changeInstant, uptimeStep, type UptimeSample, type UptimeStep } from './uptime.ts';

/** At most one re-walk a minute because polled rows stopped answering. */
const VANISH_REWALK_MS = 60_000;

export interface SwitchConfig {
  name: string;
  ports: PortSelector;
  uplinks: string[];
  rediscover: string;
}

/**
 * An interface of the switch, as discovery found it, and what the last poll
 * read of it (hidden flaps, a trap's admin status), updated in place. When
 * that poll read it is the switch's `readAt` (one time for every port: a
 * double per port would cost 16 bytes more each).
 */
interface Port extends IfStatus {
  ifIndex: number;
  /** Null when it is what the subject id says after its `/` (most names: one string fewer a port). */
  ifName: string | null;
  ifAlias: string;
  ifDescr: string;
  /** Its subject id when polled, else null (traps still name it). */
  subject: string | null;
  /** A poll read it (oper, admin, lastChange hold that poll's values). */
  read: boolean;
}

export class SwitchInstance implements SourceInstance {
  readonly name: string;
  /** Every interface in ifIndex order (found by binary search: no map per switch); null until the first discovery. */
  private ports: Port[] | null = null;
  private polled: Port[] = [];
  /** Configured names the device does not have, with their subject ids. */
  private missing: { ifName: string; subject: string }[] = [];
  private last: UptimeSample | null = null;
  /** When the last poll read the ports (agent clock), -1 before the first. */
  private readAt = -1;
  private firstPollAt: number | null = null;
  private rediscoverDue = false;
  private noUptimeSaid = false;
  private lastVanishWalk = -Infinity;
  /**
   * Ports whose ifAdminStatus the next poll reads even if they did not move:
   * a trap may have changed their state without the poll seeing a change,
   * and the poll's event must carry the admin status as it is then.
   */
  private readonly adminDue = new Set<number>();
  /** The last poll failed (its ports went unknown): the next one reads every port's ifAdminStatus. */
  private adminStale = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly unschedule: () => void;
  private readonly log: Logger;

  constructor(
    private readonly cfg: SwitchConfig,
    private readonly client: SnmpClient,
    deps: SourceDeps,
    /** Whether a trap sender is this switch (snmp/address.ts trapClaimer). */
    private readonly claims: (address: string, credential: TrapCredential) => TrapClaim | null,
    /** The rediscovery schedule's clock (SourceDeps.schedule, or one of its own). */
    schedule: (expression: string, fn: () => void) => () => void,
  ) {
    this.name = cfg.name;
    // The agent's log for a target already names it.
    this.log = deps.log;
    // The schedule only raises a flag: the poll loop owns when I/O happens.
    const due = (): void => { this.rediscoverDue = true; };
    this.unschedule = schedule(cfg.rediscover, due);
  }

  poll(ctx: PollContext): Promise<Reading[]> {
    // A trap's confirming poll may arrive while a scheduled one runs: queue, never interleave.
    const run = this.chain.then(() => this.pollOnce(ctx)).catch((e: unknown) => {
      // The agent makes its ports unknown; whatever comes next is an event, with ifAdminStatus read afresh.
      this.adminStale = true;
      throw e;
    });
    // The chain must not hold the readings until the next poll.
    this.chain = run.then(() => {}, () => {});
    return run;
  }

  close(): void {
    this.unschedule();
    this.client.close();
  }

  claimsTrap(address: string, credential: TrapCredential): TrapClaim | null {
    return this.claims(address, credential);
  }

  /**
   * A linkDown/linkUp naming a polled port is that port's state at once (the
   * most precise time there is); every trap from the switch asks for a
   * confirming poll. A coldStart/warmStart, or a trap whose sysUpTime is
   * behind the last poll's, comes from after a restart: ifIndex may have
   * moved, so it names no port and the next poll re-learns the interfaces.
   */
  onTrap(n: Notification): TrapOutcome {
    const e = linkEvent(n.trapOid, n.varbinds);
    if (isRestart(n)) this.rediscoverDue = true;
    const fromBefore = this.last !== null && n.uptime !== null && uptimeStep(this.last, { ticks: n.uptime, at: n.receivedAt }) === 'rebooted';
    if (fromBefore) this.rediscoverDue = true;
    const i = fromBefore || e.ifIndex === null ? undefined : this.port(e.ifIndex);
    const subject = i?.subject ?? null;
    // The trap's own ifAdminStatus when it carries one, else the last poll's.
    const admin = e.adminStatus ?? i?.admin ?? null;
    if (i?.subject) this.adminDue.add(i.ifIndex);
    const readings: Reading[] = subject && e.state ? [{
      subject, kind: 'port', state: e.state, via: 'trap',
      evidence: { trap: e.kind, trapOid: n.trapOid, ifIndex: e.ifIndex, ifName: ifNameOf(i!), from: n.from, ifAdminStatus: admin, admin: adminName(admin) },
    }] : [];
    return { readings, pollNow: true, detail: { kind: e.kind, ifIndex: e.ifIndex, ifName: i ? ifNameOf(i) : null, subject } };
  }

  private async rediscover(ctx: PollContext): Promise<void> {
    const { ifs, duplicates } = await discover(this.client);
    ctx.signal.throwIfAborted();
    const sel = selectPorts(ifs, this.cfg.ports, this.cfg.uplinks);
    const polled = new Set<IfInfo>(sel.polled);
    // What the last poll read of a port carries over when the port keeps its subject (hidden flaps).
    const before = new Map(this.polled.map((p) => [p.subject, p]));
    // interfacesFrom lists them in ifIndex order.
    const ports = ifs.map((i): Port => {
      const subject = polled.has(i) ? portSubjectId(this.name, i.name) : null;
      const was = subject === null ? undefined : before.get(subject);
      return {
        ifIndex: i.ifIndex, ifName: subject?.endsWith(`/${i.ifName}`) && subject.length === this.name.length + 1 + i.ifName.length ? null : i.ifName,
        ifAlias: i.ifAlias, ifDescr: i.ifDescr, subject,
        oper: was?.oper ?? null, admin: was?.admin ?? null, lastChange: was?.lastChange ?? null, read: was?.read ?? false,
      };
    });
    this.ports = ports;
    this.polled = ports.filter((p) => p.subject !== null);
    this.missing = sel.missing.map((ifName) => ({ ifName, subject: portSubjectId(this.name, ifName) }));
    this.rediscoverDue = false;
    if (ifs.length === 0) this.log.warn({ device: this.client.where }, 'device lists no interfaces (ifTable empty, or not served to this community or user)');
    if (duplicates.length) this.log.warn({ duplicates }, 'interfaces share an ifName; only the lowest ifIndex is polled');
    if (sel.missing.length) this.log.warn({ missing: sel.missing }, 'configured ports not found on the device');
    this.log.debug({ interfaces: ifs.length, polled: this.polled.length }, 'interfaces discovered');
  }

  private read(ctx: PollContext): Promise<StatusRead> {
    const idx = this.polled.map((i) => i.ifIndex);
    return readStatus(this.client, idx, strategy(idx.length, this.ports?.length ?? 0), ctx.now);
  }

  private port(ifIndex: number): Port | undefined {
    const ports = this.ports ?? [];
    let lo = 0, hi = ports.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ports[mid]!.ifIndex < ifIndex) lo = mid + 1; else hi = mid; }
    return ports[lo]?.ifIndex === ifIndex ? ports[lo] : undefined;
  }

  private async pollOnce(ctx: PollContext): Promise<Reading[]> {
    ctx.signal.throwIfAborted();
    let fresh = false;
    if (!this.ports || this.rediscoverDue) { await this.rediscover(ctx); fresh = true; }
    let r = await this.read(ctx);
    ctx.signal.throwIfAborted();
    if (!r.uptime && !this.noUptimeSaid) {
      this.noUptimeSaid = true;
      this.log.warn({ device: this.client.where },
        `${this.client.where} does not serve sysUpTime.0: port changes are timed by the poll, and a reboot that renumbers ifIndex is only caught by the rediscovery schedule`);
    }
    const step = this.last && r.uptime ? uptimeStep(this.last, r.uptime) : 'steady';
    if (step === 'wrapped') this.log.info('sysUpTime wrapped at 2^32 centiseconds');
    // A row that stops answering may mean a line card was swapped and ifIndex moved without a
    // reboot; a device that never answers for some row must not cost a walk every poll.
    const vanished = !fresh && [...r.status.values()].some((s) => s.oper === null) &&
      ctx.now() - this.lastVanishWalk >= VANISH_REWALK_MS;
    if (vanished) this.lastVanishWalk = ctx.now();
    if (step === 'rebooted' || vanished) {
      // A reload may have renumbered ifIndex: the rows just read may belong to other ports.
      this.log.info({ reason: step === 'rebooted' ? 'reboot' : 'row vanished' }, 're-learning interfaces');
      await this.rediscover(ctx);
      r = await this.read(ctx);
      ctx.signal.throwIfAborted();
    }
    this.last = r.uptime;
    this.firstPollAt ??= r.at;
    await this.withAdmin(r);
    ctx.signal.throwIfAborted();
    return this.readings(r, step);
  }

  /**
   * ifAdminStatus for the ports that moved (or were never read), those a trap
   * named since the last poll, and every port after a failed poll: a port
   * event comes from one of them, so it carries the status as read by the
   * poll that made it. The others keep the last value read.
   */
  private async withAdmin(r: StatusRead): Promise<void> {
    const moved: number[] = [];
    const all = this.adminStale;
    for (const p of this.polled) {
      const s = r.status.get(p.ifIndex);
      if (!s) continue;
      if (all || !p.read || p.oper !== s.oper || p.lastChange !== s.lastChange || this.adminDue.has(p.ifIndex)) moved.push(p.ifIndex);
      else s.admin = p.admin;
    }
    this.adminDue.clear();
    this.adminStale = false;
    if (moved.length === 0) return;
    for (const [ifIndex, admin] of await readAdmin(this.client, moved)) r.status.get(ifIndex)!.admin = admin;
  }

  private readings(r: StatusRead, step: UptimeStep): Reading[] {
    const out: Reading[] = [];
    const sysUpTime = r.uptime?.ticks ?? null;
    for (const p of this.polled) {
      const s = r.status.get(p.ifIndex) ?? { oper: null, admin: null, lastChange: null };
      // Only a moved ifLastChange can be a hidden flap: nothing else is worth an object per port.
      const flap = r.uptime && p.read && p.lastChange !== s.lastChange
        ? hiddenFlap({ oper: p.oper, admin: p.admin, lastChange: p.lastChange, at: this.readAt }, s, r.uptime, step) : undefined;
      p.oper = s.oper; p.admin = s.admin; p.lastChange = s.lastChange; p.read = true;
      let state = s.oper === null ? 'unknown' as const : OPER_STATE[s.oper];
      if (state === undefined) {
        // Outside RFC 2863's 1–7: never guess a port down from a value we do not know.
        this.log.warn({ ifName: ifNameOf(p), ifOperStatus: s.oper }, 'ifOperStatus outside IF-MIB; reading unknown');
        state = 'unknown';
      }
      const reading = new PortReading(p, state, s, sysUpTime);
      // The tracker decides whether `since` is plausible and sets `via` accordingly.
      const since = s.lastChange === null || !r.uptime ? undefined : changeInstant(r.uptime, s.lastChange, this.firstPollAt!);
      if (since !== undefined) reading.since = since;
      if (flap) reading.hiddenFlap = flap;
      out.push(reading);
    }
    this.readAt = r.at;
    for (const m of this.missing) {
      // Configured but absent: we cannot say it is down, only that we do not know.
      out.push({ subject: m.subject, kind: 'port', state: 'unknown', evidence: { ifName: m.ifName, missing: true, ...NO_ADMIN } });
    }
    return out;
  }
}

/**
 * A port's reading, its evidence made only when asked for: the tracker asks
 * for the few readings it sends, not the 100,000 a large agent reads in ten
 * seconds. The values are its own copy; the names are the Port's, which
 * never change (a rediscovery makes new Ports).
 */
class PortReading implements Reading {
  readonly subject: string;
  readonly kind = 'port' as const;
  since?: number;
  hiddenFlap?: { since: number; at: number };
  private readonly oper: number | null;
  private readonly admin: number | null;
  private readonly lastChange: number | null;
  private made: Record<string, unknown> | undefined;

  constructor(private readonly p: Port, readonly state: PortState, s: IfStatus, private readonly sysUpTime: number | null) {
    this.subject = p.subject!;
    this.oper = s.oper;
    this.admin = s.admin;
    this.lastChange = s.lastChange;
  }

  get evidence(): Record<string, unknown> {
    const p = this.p;
    return (this.made ??= {
      ifIndex: p.ifIndex, ifName: ifNameOf(p), ifAlias: p.ifAlias, ifDescr: p.ifDescr, ifOperStatus: this.oper,
      ifAdminStatus: this.admin, admin: adminName(this.admin), ifLastChange: this.lastChange, sysUpTime: this.sysUpTime,
    });
  }
}

/** A port's name as the device shows it. */
function ifNameOf(p: Port): string {
  return p.ifName ?? p.subject!.slice(p.subject!.indexOf('/') + 1);
}

/** A port event with no ifAdminStatus to read (the port is not on the device) still says so. */
const NO_ADMIN = { ifAdminStatus: null, admin: null } as const;

/** ifAdminStatus by name (`down`: shut administratively), null when absent or outside IF-MIB. */
const adminName = (v: number | null): string | null => (v === null ? null : ADMIN_STATUS[v] ?? null);


