/**
 * One polled switch: keeps the ifIndex ↔ ifName map, re-learns it on the
 * configured cron schedule, when sysUpTime shows a reboot, and when a polled
 * row vanishes; turns each poll into one reading per polled port.
 */
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { PollContext, Reading, SourceDeps, SourceInstance, TrapOutcome } from '../sources/types.ts';
import type { Notification, SnmpClient, TrapClaim, TrapCredential } from '../snmp/types.ts';
import { portSubjectId } from '@dcprobe/shared';
import { ADMIN_STATUS, OPER_STATE } from '../profiles/if-mib.ts';
import { hiddenFlap, type PolledStatus } from './hidden-flap.ts';
import { discover, selectPorts, type IfInfo, type PortSelector, type Selection } from './interfaces.ts';
import { readStatus, strategy, type StatusRead } from './status.ts';
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

export class SwitchInstance implements SourceInstance {
  readonly name: string;
  private ifs: IfInfo[] | null = null;
  private sel: Selection = { polled: [], missing: [] };
  /** Subject id of each polled interface and each missing configured name, made once per discovery. */
  private subjects = new Map<IfInfo | string, string>();
  /** What the last poll read of each polled subject, for hidden flaps and a trap's admin status. */
  private seen = new Map<string, PolledStatus>();
  private last: UptimeSample | null = null;
  private firstPollAt: number | null = null;
  private rediscoverDue = false;
  private noUptimeSaid = false;
  private lastVanishWalk = -Infinity;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly task: ScheduledTask | null;
  private readonly log: Logger;

  constructor(
    private readonly cfg: SwitchConfig,
    private readonly client: SnmpClient,
    deps: SourceDeps,
    /** Whether a trap sender is this switch (snmp/address.ts trapClaimer). */
    private readonly claims: (address: string, credential: TrapCredential) => TrapClaim | null = () => null,
  ) {
    this.name = cfg.name;
    this.log = deps.log.child({ target: cfg.name });
    // The schedule only raises a flag: the poll loop owns when I/O happens. node-cron
    // would print to the console; its few words go to our JSON log instead.
    const log = this.log;
    this.task = cron.schedule(cfg.rediscover, () => { this.rediscoverDue = true; }, {
      name: `rediscover:${cfg.name}`,
      logger: {
        info: (m) => log.debug({ cron: m }, 'rediscovery schedule'),
        warn: (m) => log.debug({ cron: m }, 'rediscovery schedule'),
        error: (m) => log.warn({ cron: String(m) }, 'rediscovery schedule'),
        debug: () => {},
      },
    });
  }

  poll(ctx: PollContext): Promise<Reading[]> {
    // A trap's confirming poll may arrive while a scheduled one runs: queue, never interleave.
    const run = this.chain.then(() => this.pollOnce(ctx));
    this.chain = run.catch(() => {});
    return run;
  }

  close(): void {
    void this.task?.destroy();
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
    const i = fromBefore || e.ifIndex === null ? undefined : this.ifs?.find((x) => x.ifIndex === e.ifIndex);
    const subject = i !== undefined && this.sel.polled.includes(i) ? this.subjects.get(i)! : null;
    // The trap's own ifAdminStatus when it carries one, else the last poll's.
    const admin = e.adminStatus ?? (subject ? this.seen.get(subject)?.admin ?? null : null);
    const readings: Reading[] = subject && e.state ? [{
      subject, kind: 'port', state: e.state, via: 'trap',
      evidence: { trap: e.kind, trapOid: n.trapOid, ifIndex: e.ifIndex, ifName: i!.ifName, from: n.from, ifAdminStatus: admin, admin: adminName(admin) },
    }] : [];
    return { readings, pollNow: true, detail: { kind: e.kind, ifIndex: e.ifIndex, ifName: i?.ifName ?? null, subject } };
  }

  private async rediscover(ctx: PollContext): Promise<void> {
    const { ifs, duplicates } = await discover(this.client);
    ctx.signal.throwIfAborted();
    this.ifs = ifs;
    this.sel = selectPorts(ifs, this.cfg.ports, this.cfg.uplinks);
    this.subjects = new Map<IfInfo | string, string>([
      ...this.sel.polled.map((i): [IfInfo, string] => [i, portSubjectId(this.name, i.name)]),
      ...this.sel.missing.map((n): [string, string] => [n, portSubjectId(this.name, n)]),
    ]);
    this.rediscoverDue = false;
    if (ifs.length === 0) this.log.warn({ device: this.client.where }, 'device lists no interfaces (ifTable empty, or not served to this community or user)');
    if (duplicates.length) this.log.warn({ duplicates }, 'interfaces share an ifName; only the lowest ifIndex is polled');
    if (this.sel.missing.length) this.log.warn({ missing: this.sel.missing }, 'configured ports not found on the device');
    this.log.debug({ interfaces: ifs.length, polled: this.sel.polled.length }, 'interfaces discovered');
  }

  private read(ctx: PollContext): Promise<StatusRead> {
    const idx = this.sel.polled.map((i) => i.ifIndex);
    return readStatus(this.client, idx, strategy(idx.length, this.ifs?.length ?? 0), ctx.now);
  }

  private async pollOnce(ctx: PollContext): Promise<Reading[]> {
    ctx.signal.throwIfAborted();
    let fresh = false;
    if (!this.ifs || this.rediscoverDue) { await this.rediscover(ctx); fresh = true; }
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
    return this.readings(r, step);
  }

  private readings(r: StatusRead, step: UptimeStep): Reading[] {
    const out: Reading[] = [];
    const seen = new Map<string, PolledStatus>();
    for (const i of this.sel.polled) {
      const s = r.status.get(i.ifIndex) ?? { oper: null, admin: null, lastChange: null };
      const subject = this.subjects.get(i)!;
      const flap = r.uptime ? hiddenFlap(this.seen.get(subject), s, r.uptime, step) : undefined;
      seen.set(subject, { ...s, at: r.at });
      let state = s.oper === null ? 'unknown' as const : OPER_STATE[s.oper];
      if (state === undefined) {
        // Outside RFC 2863's 1–7: never guess a port down from a value we do not know.
        this.log.warn({ ifName: i.ifName, ifOperStatus: s.oper }, 'ifOperStatus outside IF-MIB; reading unknown');
        state = 'unknown';
      }
      const since = s.lastChange === null || !r.uptime ? undefined : changeInstant(r.uptime, s.lastChange, this.firstPollAt!);
      out.push({
        subject,
        kind: 'port',
        state,
        // The tracker decides whether `since` is plausible and sets `via` accordingly.
        ...(since !== undefined ? { since } : {}),
        ...(flap ? { hiddenFlap: flap } : {}),
        evidence: {
          ifIndex: i.ifIndex, ifName: i.ifName, ifAlias: i.ifAlias, ifDescr: i.ifDescr,
          ifOperStatus: s.oper, ifAdminStatus: s.admin, admin: adminName(s.admin), ifLastChange: s.lastChange, sysUpTime: r.uptime?.ticks ?? null,
        },
      });
    }
    this.seen = seen;
    for (const ifName of this.sel.missing) {
      // Configured but absent: we cannot say it is down, only that we do not know.
      out.push({ subject: this.subjects.get(ifName)!, kind: 'port', state: 'unknown', evidence: { ifName, missing: true } });
    }
    return out;
  }
}

/** ifAdminStatus by name (`down`: shut administratively), null when absent or outside IF-MIB. */
const adminName = (v: number | null): string | null => (v === null ? null : ADMIN_STATUS[v] ?? null);

export type { IfInfo };
