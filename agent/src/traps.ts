/**
 * The trap receiver: net-snmp's createReceiver behind one function. It accepts
 * v1/v2c traps with a configured community and v3 traps from a configured user
 * (authNoPriv or authPriv; net-snmp checks digests and decrypts), normalises
 * the sender's address once, and hands each accepted trap to the route that
 * claims its sender (agent-traps.ts asks the sources). What the trap means is
 * the claiming source's business; the receiver knows no device kind.
 * Everything unclaimed is counted and dropped.
 *
 * Library callbacks become plain calls here, once: route and `onTrap`
 * exceptions are caught and logged, never thrown back into net-snmp's socket handler.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { listenPlan } from './snmp/listen.ts';
import { v3UserOptions } from './snmp/session.ts';
import { normAddress } from './snmp/address.ts';
import { readNotification } from './snmp/notification.ts';
import type { Notification, SnmpV3User, TrapCredential } from './snmp/types.ts';
import type { TrapOutcome } from './sources/types.ts';

/** The target a trap belongs to, and how that target's source reads it. */
export interface TrapRoute {
  target: string;
  handle(n: Notification): TrapOutcome;
}

/** A trap, the target that claimed it, and what its source made of it. */
export interface RoutedTrap {
  target: string;
  notification: Notification;
  outcome: TrapOutcome;
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
  /** The route of a trap from `address` (normalised) with this credential; null drops it as unknownSource. */
  route(address: string, credential: TrapCredential): TrapRoute | null;
  onTrap(t: RoutedTrap): void | Promise<void>;
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
    const from = normAddress(rinfo.address);
    if (!NOTIFICATION_PDUS.has(pdu.type)) return drop('notATrap', from);
    const credential: TrapCredential = pdu.community !== undefined ? { community: String(pdu.community) } : pdu.user !== undefined ? { user: String(pdu.user) } : {};
    const route = o.route(from, credential);
    if (!route) return drop('unknownSource', from);
    const n: Notification = { from, receivedAt: now(), version: versionOf(pdu), ...readNotification(pdu) };
    const outcome = route.handle(n);
    counters.accepted++;
    o.log.debug({ target: route.target, trapOid: n.trapOid, ...outcome.detail }, 'trap received');
    Promise.resolve()
      .then(() => o.onTrap({ target: route.target, notification: n, outcome }))
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
      if (!notification) return;
      try {
        handle(notification);
      } catch (e) {
        o.log.error({ err: e }, 'trap handling failed');
      }
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
function versionOf(pdu: { type: number; user?: unknown }): Notification['version'] {
  if (pdu.type === snmp.PduType.Trap) return '1';
  return pdu.user !== undefined ? '3' : '2c';
}
