/**
 * The only registry of source kinds, a plain map. The agent's config schema
 * takes its allowed `kind` values from here, and so does `probe`; adding a
 * device kind is adding one file and one line below.
 */
import type { SourceKind, TargetBase } from './types.ts';
import { snmpSwitch } from './snmp-switch.ts';
import { snmpUps } from './snmp-ups.ts';
import { snmpPdu } from './snmp-pdu.ts';
import { nutSource } from './nut.ts';

export type SourceKinds = Readonly<Record<string, SourceKind<TargetBase>>>;

export const SOURCES: SourceKinds = {
  'snmp-switch': snmpSwitch as SourceKind<TargetBase>,
  'snmp-ups': snmpUps as SourceKind<TargetBase>,
  'snmp-pdu': snmpPdu as SourceKind<TargetBase>,
  nut: nutSource as SourceKind<TargetBase>,
};

export type { Reading, SourceInstance, SourceKind, TargetBase, PollContext, SourceDeps, TrapOutcome } from './types.ts';
