/**
 * The trap receiver: net-snmp's createReceiver behind one function. It accepts
 * v1/v2c traps with a configured community and v3 traps from a configured user
 * (authNoPriv or authPriv; net-snmp checks digests and decrypts), maps
 * linkDown/linkUp from a configured switch to `<switch>/<ifName>`, and hands
 * each accepted trap to `onTrap` so the poll loop can emit a `trap` event and
 * poll that switch at once to confirm. Everything else is counted and dropped.
 *
 * Library callbacks become plain calls here, once: `onTrap` exceptions are
 * caught and logged, never thrown back into net-snmp's socket handler.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PortState } from '@dcprobe/shared';
import { listenPlan } from './snmp/listen.ts';
import { v3UserOptions } from './snmp/client.ts';
import type { SnmpV3User, VarBind } from './snmp/types.ts';
import { isRestart, parseTrap, type TrapKind } from './switch/trap-map.ts';
import type { TrapResolver } from './sources/snmp-switch.ts';

export interface TrapEvent {
  /** The configured switch (target name) the trap came from. */
  target: string;
  /** `<switch>/<ifName>` when the trap names a port this target polls, else null. */
  subject: string | null;
  kind: TrapKind;
  /** snmpTrapOID.0 (or the v1 equivalent). */
  trapOid: string | null;
  ifIndex: number | null;
  ifName: string | null;
  /** For linkDown/linkUp: the state announced (from ifOperStatus when sent). */
  state: PortState | null;
  /** Agent clock, UTC ms. */
  receivedAt: number;
  /** Sender's address as seen on the socket. */
  from: string;
  version: '1' | '2c' | '3';
  varbinds: VarBind[];
}

export type DropReason = 'unknownSource' | 'badCredentials' | 'malformed' | 'notATrap';

export interface TrapCounters {
  /** Every datagram the receiver looked at. */
  received: number;
  /** Handed to onTrap. */
  accepted: number;
  dropped: Record<DropReason, number>;
}

export interface TrapReceiverOptions {
  /** 0 picks a free port (tests); the bound one is on the handle. */
  port: number;
  address: string;
  communities: readonly string[];
  users: readonly SnmpV3User[];
  switches: TrapResolver;
  onTrap(evt: TrapEvent): void | Promise<void>;
  log: Logger;
  /** Agent clock (tests control it). */
  now?: () => number;
  /** When given, drops are also counted as dcprobe_agent_traps_dropped_total{reason}. */
  registry?: Registry;
}

export interface TrapReceiver {
  readonly port: number;
  readonly address: string;
  readonly counters: TrapCounters;
  close(): Promise<void>;
}

const NOTIFICATION_PDUS = new Set([snmp.PduType.Trap, snmp.PduType.TrapV2, snmp.PduType.InformRequest]);

/** Why net-snmp refused a datagram, from its error class (never its text, which may quote a community). */
function reasonOf(err: unknown): DropReason {
  // ProcessingError (undecodable datagram) is not exported by net-snmp: its class name is the next best thing.
  if (err instanceof Error && err.name === 'ProcessingError') return 'malformed';
  if (err instanceof snmp.RequestInvalidError) return 'notATrap';
  // RequestFailedError: unknown community or user; ResponseInvalidError: wrong digest, cannot decrypt.
  return 'badCredentials';
}

export async function startTrapReceiver(o: TrapReceiverOptions): Promise<TrapReceiver> {
  const now = o.now ?? Date.now;
  const counters: TrapCounters = {
    received: 0, accepted: 0, dropped: { unknownSource: 0, badCredentials: 0, malformed: 0, notATrap: 0 },
  };
  const DROPPED = 'dcprobe_agent_traps_dropped_total';
  // A restarted receiver on the same registry reuses the family instead of failing to register it twice.
  const droppedMetric = o.registry
    ? (o.registry.getSingleMetric(DROPPED) as Counter<'reason'> | undefined) ?? new Counter({
      name: DROPPED, help: 'SNMP notifications dropped, by reason.', labelNames: ['reason'], registers: [o.registry],
    })
    : null;
  const drop = (reason: DropReason, from: string | undefined): void => {
    counters.dropped[reason]++;
    droppedMetric?.inc({ reason });
    o.log.debug({ from, reason }, 'trap dropped');
  };

  const handle = (notification: { pdu: any; rinfo: { address: string } }): void => {
    const { pdu, rinfo } = notification;
    const from = rinfo.address;
    if (!NOTIFICATION_PDUS.has(pdu.type)) return drop('notATrap', from);
    const credential = pdu.community !== undefined ? { community: String(pdu.community) } : pdu.user !== undefined ? { user: String(pdu.user) } : {};
    const sw = o.switches.resolve(from, credential);
    if (!sw) return drop('unknownSource', from);
    const receivedAt = now();
    const t = parseTrap(pdu);
    if (isRestart(t)) sw.restarted();
    const { subject, ifName } = sw.map(t.ifIndex, t.uptime, receivedAt);
    counters.accepted++;
    const evt: TrapEvent = {
      target: sw.target, subject, kind: t.kind, trapOid: t.trapOid, ifIndex: t.ifIndex, ifName, state: t.state,
      receivedAt, from, version: versionOf(pdu), varbinds: t.varbinds,
    };
    o.log.debug({ target: evt.target, subject, kind: evt.kind, ifIndex: evt.ifIndex }, 'trap received');
    Promise.resolve()
      .then(() => o.onTrap(evt))
      .catch((err: unknown) => o.log.error({ err }, 'trap handler failed'));
  };

  const plan = listenPlan(o.port, o.address);
  const receiver = snmp.createReceiver(
    // includeAuthentication puts the community / user name on the PDU, to tell
    // apart switches that share one source address.
    { ...plan.options, includeAuthentication: true, disableAuthorization: false },
    (err: unknown, notification: { pdu: any; rinfo: { address: string } } | null) => {
      counters.received++;
      if (err) return drop(reasonOf(err), (err as { rinfo?: { address?: string } }).rinfo?.address);
      if (notification) handle(notification);
    },
  );
  const auth = receiver.getAuthorizer();
  for (const c of o.communities) auth.addCommunity(c);
  for (const u of o.users) auth.addUser({ name: u.name, ...v3UserOptions(u) });

  let bound;
  try {
    bound = await plan.bound;
  } catch (err) {
    try { receiver.close(); } catch { /* never bound */ }
    throw err;
  }
  o.log.info({ address: bound.address, port: bound.port, communities: o.communities.length, users: o.users.length }, 'trap receiver listening');
  return {
    port: bound.port,
    address: bound.address,
    counters,
    close: () => new Promise<void>((resolve) => receiver.close(() => resolve())),
  };
}

/** The PDU does not say its message version; the security fields do. */
function versionOf(pdu: { type: number; user?: unknown }): TrapEvent['version'] {
  if (pdu.type === snmp.PduType.Trap) return '1';
  return pdu.user !== undefined ? '3' : '2c';
}
