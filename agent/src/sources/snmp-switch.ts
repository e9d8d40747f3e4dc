/**
 * `snmp-switch`: port states of an access switch from IF-MIB. The kind is its
 * target schema, `open` (one SwitchInstance per target, which also takes the
 * switch's linkDown/linkUp traps), probe and discovery support.
 */
import { z } from 'zod';
import cron from 'node-cron';
import { isIP } from 'node:net';
import type { SourceDeps, SourceKind } from './types.ts';
import { targetNameSchema } from './target-name.ts';
import { checkSnmpSettings, snmpSettingsShape, toSnmpTarget } from '../snmp/target-schema.ts';
import { trapClaimer } from '../snmp/address.ts';
import { openSnmp, type SnmpClientOptions } from '../snmp/client.ts';
import type { SnmpClient, SnmpTarget } from '../snmp/types.ts';
import { SwitchInstance } from '../switch/instance.ts';
import { switchProbe } from '../switch/probe.ts';
import { ownSchedule } from './schedules.ts';
import { switchDiscover } from '../switch/discover.ts';

const validRegex = (s: string): boolean => { try { new RegExp(s); return true; } catch { return false; } };

export const switchTargetSchema = z.strictObject({
  kind: z.literal('snmp-switch'),
  name: targetNameSchema,
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

export interface SwitchOpenOptions {
  /** Tests pass the recording fake; production opens net-snmp. */
  client?: (t: SnmpTarget, o: SnmpClientOptions) => SnmpClient;
}

export function openSwitch(target: SwitchTarget, deps: SourceDeps, opts: SwitchOpenOptions = {}): SwitchInstance {
  const client = (opts.client ?? openSnmp)(toSnmpTarget(target), { log: deps.log, onMaxRepetitions: deps.snmpMaxRepetitions, now: deps.now, ...(deps.snmpSockets ? { sockets: deps.snmpSockets } : {}) });
  return new SwitchInstance(target, client, deps, trapClaimer(target, deps.log), deps.schedule ?? ownSchedule(deps.log));
}

export const snmpSwitch: SourceKind<SwitchTarget> = {
  kind: 'snmp-switch',
  schema: switchTargetSchema,
  open: (target, deps) => openSwitch(target, deps),
  probe: switchProbe(switchTargetSchema),
  discover: switchDiscover(switchTargetSchema),
};

export { SwitchInstance };
