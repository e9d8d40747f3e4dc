/**
 * `snmp-switch`: port states of an access switch from IF-MIB. The kind is its
 * target schema, `open` (one SwitchInstance per target), probe and discovery
 * support, and a trap view that maps a linkDown/linkUp from a configured switch to
 * `<switch>/<ifName>` for the trap receiver.
 */
import { z } from 'zod';
import cron from 'node-cron';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { registerSource } from './index.ts';
import type { SourceInstance, SourceKind } from './types.ts';
import { checkSnmpSettings, snmpSettingsShape, toSnmpTarget } from '../snmp/target-schema.ts';
import { openSnmp } from '../snmp/client.ts';
import type { SnmpClient, SnmpTarget } from '../snmp/types.ts';
import { SwitchInstance } from '../switch/instance.ts';
import { switchProbe } from '../switch/probe.ts';
import { switchDiscover } from '../switch/discover.ts';
import { uptimeStep } from '../switch/uptime.ts';

/** Target names prefix subject ids (`sw1/ge-0/0/1`): no slash, no spaces. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const validRegex = (s: string): boolean => { try { new RegExp(s); return true; } catch { return false; } };

export const switchTargetSchema = z.strictObject({
  kind: z.literal('snmp-switch'),
  name: z.string().regex(NAME, 'use letters, digits, ".", "_" and "-" (it prefixes subject ids)'),
  intervalSeconds: z.number().int().min(1).max(86_400).default(30),
  ...snmpSettingsShape,
  ports: z.union([
    z.literal('all'),
    z.array(z.string().min(1)).min(1),
    z.strictObject({ aliasPattern: z.string().min(1).refine(validRegex, 'not a valid regular expression') }),
  ]),
  uplinks: z.array(z.string().min(1)).default([]),
  rediscover: z.string().default('0 */6 * * *').refine((s) => cron.validate(s), 'not a valid cron expression'),
  /** Addresses the switch sends traps from, when not the polled `host` (a loopback or management VRF). */
  trapFrom: z.array(z.string().refine((s) => isIP(s) !== 0, 'not an IP address')).default([]),
}).superRefine(checkSnmpSettings);

export type SwitchTarget = z.output<typeof switchTargetSchema>;

/** Every open switch in this process, for the trap receiver. */
const OPEN = new Set<SwitchInstance>();
const META = new WeakMap<SwitchInstance, { target: SwitchTarget; addresses: Set<string> }>();

/**
 * Addresses compare as text once canonical: IPv6 in its shortest form (the
 * URL parser's), IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket
 * reports an IPv4 sender) unwrapped, zone ids dropped.
 */
export function normAddress(a: string): string {
  const s = a.toLowerCase().replace(/%.*$/, '');
  if (isIP(s) !== 6) return s;
  let c: string;
  try { c = new URL(`http://[${s}]/`).hostname.slice(1, -1); } catch { return s; }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(c);
  if (!mapped) return c;
  const hi = parseInt(mapped[1]!, 16), lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export interface SwitchOpenOptions {
  /** Tests pass the recording fake; production opens net-snmp. */
  client?: (t: SnmpTarget) => SnmpClient;
}

export function openSwitch(target: SwitchTarget, deps: Parameters<SourceKind['open']>[1], opts: SwitchOpenOptions = {}): SwitchInstance {
  const client = (opts.client ?? openSnmp)(toSnmpTarget(target));
  const inst = new SwitchInstance(target, client, deps, () => OPEN.delete(inst));
  const addresses = new Set([target.host, ...target.trapFrom].map(normAddress));
  META.set(inst, { target, addresses });
  OPEN.add(inst);
  if (isIP(target.host) === 0) {
    // A hostname: traps arrive from its addresses. Best effort; a failure only means no trap mapping.
    lookup(target.host, { all: true }).then(
      (as) => as.forEach((a) => addresses.add(normAddress(a.address))),
      (err: Error) => deps.log.warn({ target: target.name, err: err.message }, 'cannot resolve host for trap mapping'),
    );
  }
  return inst;
}

export const snmpSwitch: SourceKind<SwitchTarget> = {
  kind: 'snmp-switch',
  schema: switchTargetSchema,
  open: (target, deps) => openSwitch(target, deps),
  probe: switchProbe(switchTargetSchema),
  discover: switchDiscover(switchTargetSchema),
};

registerSource(snmpSwitch);

/** What the trap receiver learns about a sender it knows. */
export interface SwitchTrapMatch {
  /** The configured switch's name. */
  target: string;
  /**
   * `<switch>/<ifName>` for a polled port, else null (ifIndex not known yet,
   * or a port this target does not poll). A trap whose sysUpTime is behind the
   * last poll comes from after a reboot: ifIndex may have moved, so null too.
   */
  map(ifIndex: number | null, trapUptime: number | null, receivedAt: number): { subject: string | null; ifName: string | null };
  /** The switch restarted: re-learn ifIndex before the next poll. */
  restarted(): void;
}

export interface TrapResolver {
  /** The configured switch that sends from `address`; `credential` breaks ties between switches sharing one address. */
  resolve(address: string, credential?: { community?: string; user?: string }): SwitchTrapMatch | null;
}

function matchFor(inst: SwitchInstance): SwitchTrapMatch {
  return {
    target: inst.name,
    map(ifIndex, trapUptime, receivedAt) {
      const last = inst.lastUptime();
      if (last && trapUptime !== null && uptimeStep(last, { ticks: trapUptime, at: receivedAt }) === 'rebooted') {
        inst.rediscoverSoon();
        return { subject: null, ifName: null };
      }
      const i = ifIndex === null ? null : inst.interfaceAt(ifIndex);
      if (!i) return { subject: null, ifName: null };
      return { subject: i.polled ? `${inst.name}/${i.ifName}` : null, ifName: i.ifName };
    },
    restarted: () => inst.rediscoverSoon(),
  };
}

/**
 * A resolver over the given switch instances (other kinds are ignored), or
 * over every switch open in this process when none are given.
 */
export function trapTargets(instances?: () => Iterable<SourceInstance>): TrapResolver {
  return {
    resolve(address, credential) {
      const a = normAddress(address);
      const pool = instances ? [...instances()].filter((i): i is SwitchInstance => i instanceof SwitchInstance) : [...OPEN];
      const here = pool.filter((i) => META.get(i)?.addresses.has(a));
      if (here.length === 0) return null;
      const same = here.find((i) => {
        const t = META.get(i)!.target;
        return (credential?.community !== undefined && t.community === credential.community) ||
          (credential?.user !== undefined && t.user?.name === credential.user);
      });
      return matchFor(same ?? here[0]!);
    },
  };
}

export { SwitchInstance };
