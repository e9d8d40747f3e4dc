/**
 * UPS-MIB (RFC 1628, 1.3.6.1.2.1.33) as data: the scalars, table columns,
 * enum maps, well-known alarms and traps the snmp-ups source and the UPS
 * simulator use. Scales turn the MIB's units (0.1 Hz, 0.1 A) into plain units.
 * Numbers checked against the RFC's OBJECT-TYPE definitions.
 */
import type { PowerState } from '@dcprobe/shared';

export const UPS_MIB = '1.3.6.1.2.1.33';

export interface ScalarDef {
  /** Evidence key (the MIB object's name). */
  name: string;
  /** Instance OID (with the trailing .0). */
  oid: string;
  /** Enum value → name, kept as evidence beside the number. */
  names?: Readonly<Record<number, string>>;
  /** Gauge name (unit in the name) when the value is worth exporting. */
  gauge?: string;
  /** Multiplier from the MIB's unit to the gauge's. */
  scale?: number;
}

export interface ColumnDef {
  name: string;
  /** Column OID without the row index. */
  oid: string;
  /** Gauge name suffix; the gauge is `<table>_<line>_<suffix>`. */
  gauge?: string;
  scale?: number;
}

/** upsOutputSource (…33.1.4.1.0) → power state (docs/sla-rules.md §2). */
export const OUTPUT_SOURCE_STATE: Readonly<Record<number, PowerState>> = {
  1: 'unknown', // other: the agent cannot say what feeds the output
  2: 'off', // none: nothing feeds the output
  3: 'mains', // normal
  4: 'bypass', // bypass
  5: 'battery', // battery
  6: 'mains', // booster: mains, voltage boosted
  7: 'mains', // reducer: mains, voltage reduced
};

export const OUTPUT_SOURCE_NAMES: Readonly<Record<number, string>> = {
  1: 'other', 2: 'none', 3: 'normal', 4: 'bypass', 5: 'battery', 6: 'booster', 7: 'reducer',
};

export const BATTERY_STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'unknown', 2: 'batteryNormal', 3: 'batteryLow', 4: 'batteryDepleted',
};

export const OID = {
  upsBatteryStatus: `${UPS_MIB}.1.2.1.0`,
  upsSecondsOnBattery: `${UPS_MIB}.1.2.2.0`,
  upsEstimatedMinutesRemaining: `${UPS_MIB}.1.2.3.0`,
  upsEstimatedChargeRemaining: `${UPS_MIB}.1.2.4.0`,
  upsBatteryVoltage: `${UPS_MIB}.1.2.5.0`,
  upsInputLineBads: `${UPS_MIB}.1.3.1.0`,
  upsInputNumLines: `${UPS_MIB}.1.3.2.0`,
  upsOutputSource: `${UPS_MIB}.1.4.1.0`,
  upsOutputFrequency: `${UPS_MIB}.1.4.2.0`,
  upsOutputNumLines: `${UPS_MIB}.1.4.3.0`,
  upsAlarmsPresent: `${UPS_MIB}.1.6.1.0`,
  // Table columns (…Entry.N), rows follow.
  upsInputEntry: `${UPS_MIB}.1.3.3.1`,
  upsOutputEntry: `${UPS_MIB}.1.4.4.1`,
  upsAlarmEntry: `${UPS_MIB}.1.6.2.1`,
  upsAlarmDescr: `${UPS_MIB}.1.6.2.1.2`,
  upsAlarmTime: `${UPS_MIB}.1.6.2.1.3`,
  upsWellKnownAlarms: `${UPS_MIB}.1.6.3`,
  upsTraps: `${UPS_MIB}.2`,
} as const;

/** Scalars read with one GET each poll; upsOutputSource decides the state. */
export const SCALARS: readonly ScalarDef[] = [
  { name: 'upsOutputSource', oid: OID.upsOutputSource, names: OUTPUT_SOURCE_NAMES },
  { name: 'upsBatteryStatus', oid: OID.upsBatteryStatus, names: BATTERY_STATUS_NAMES },
  { name: 'upsSecondsOnBattery', oid: OID.upsSecondsOnBattery, gauge: 'seconds_on_battery' },
  { name: 'upsEstimatedMinutesRemaining', oid: OID.upsEstimatedMinutesRemaining, gauge: 'battery_runtime_seconds', scale: 60 },
  { name: 'upsEstimatedChargeRemaining', oid: OID.upsEstimatedChargeRemaining, gauge: 'battery_charge_percent' },
  { name: 'upsBatteryVoltage', oid: OID.upsBatteryVoltage, gauge: 'battery_voltage_volts', scale: 0.1 },
  { name: 'upsInputLineBads', oid: OID.upsInputLineBads, gauge: 'input_line_bads' },
  { name: 'upsOutputFrequency', oid: OID.upsOutputFrequency, gauge: 'output_frequency_hertz', scale: 0.1 },
  { name: 'upsAlarmsPresent', oid: OID.upsAlarmsPresent, gauge: 'alarms_present' },
];

/** upsInputTable columns (…33.1.3.3.1.N); rows are input lines. */
export const INPUT_COLUMNS: readonly ColumnDef[] = [
  { name: 'frequency', oid: `${OID.upsInputEntry}.2`, gauge: 'frequency_hertz', scale: 0.1 },
  { name: 'voltage', oid: `${OID.upsInputEntry}.3`, gauge: 'voltage_volts' },
  { name: 'current', oid: `${OID.upsInputEntry}.4`, gauge: 'current_amperes', scale: 0.1 },
  { name: 'truePower', oid: `${OID.upsInputEntry}.5`, gauge: 'power_watts' },
];

/** upsOutputTable columns (…33.1.4.4.1.N); rows are output lines. */
export const OUTPUT_COLUMNS: readonly ColumnDef[] = [
  { name: 'voltage', oid: `${OID.upsOutputEntry}.2`, gauge: 'voltage_volts' },
  { name: 'current', oid: `${OID.upsOutputEntry}.3`, gauge: 'current_amperes', scale: 0.1 },
  { name: 'power', oid: `${OID.upsOutputEntry}.4`, gauge: 'power_watts' },
  { name: 'percentLoad', oid: `${OID.upsOutputEntry}.5`, gauge: 'load_percent' },
];

/** upsWellKnownAlarms (…33.1.6.3.N): the values upsAlarmDescr points at. */
export const WELL_KNOWN_ALARMS: Readonly<Record<number, string>> = {
  1: 'upsAlarmBatteryBad',
  2: 'upsAlarmOnBattery',
  3: 'upsAlarmLowBattery',
  4: 'upsAlarmDepletedBattery',
  5: 'upsAlarmTempBad',
  6: 'upsAlarmInputBad',
  7: 'upsAlarmOutputBad',
  8: 'upsAlarmOutputOverload',
  9: 'upsAlarmOnBypass',
  10: 'upsAlarmBypassBad',
  11: 'upsAlarmOutputOffAsRequested',
  12: 'upsAlarmUpsOffAsRequested',
  13: 'upsAlarmChargerFailed',
  14: 'upsAlarmUpsOutputOff',
  15: 'upsAlarmUpsSystemOff',
  16: 'upsAlarmFanFailure',
  17: 'upsAlarmFuseFailure',
  18: 'upsAlarmGeneralFault',
  19: 'upsAlarmDiagnosticTestFailed',
  20: 'upsAlarmCommunicationsLost',
  21: 'upsAlarmAwaitingPower',
  22: 'upsAlarmShutdownPending',
  23: 'upsAlarmShutdownImminent',
  24: 'upsAlarmTestInProgress',
};

/** `1.3.6.1.2.1.33.1.6.3.2` → `upsAlarmOnBattery`; other OIDs are kept as they are (vendor alarms). */
export function alarmName(descrOid: string): string {
  const o = descrOid.replace(/^\./, '');
  const prefix = `${OID.upsWellKnownAlarms}.`;
  if (o.startsWith(prefix)) {
    const n = Number(o.slice(prefix.length));
    const name = WELL_KNOWN_ALARMS[n];
    if (name) return name;
  }
  return o;
}

/** RFC 1628 notifications (upsTraps …33.2.N). */
export const UPS_TRAPS: Readonly<Record<string, string>> = {
  [`${OID.upsTraps}.1`]: 'upsTrapOnBattery',
  [`${OID.upsTraps}.2`]: 'upsTrapTestCompleted',
  [`${OID.upsTraps}.3`]: 'upsTrapAlarmEntryAdded',
  [`${OID.upsTraps}.4`]: 'upsTrapAlarmEntryRemoved',
};

/** Traps after which the power state may have changed: worth a confirming poll. */
const STATE_TRAPS = new Set(['upsTrapOnBattery', 'upsTrapAlarmEntryAdded', 'upsTrapAlarmEntryRemoved']);

/**
 * The UPS-MIB trap an snmpTrapOID names, or null when it is not one. The trap
 * receiver maps the sender to its snmp-ups target and polls it when
 * `confirm` is true (the trap itself is a hint; the poll is the evidence).
 */
export function upsTrapKind(trapOid: string): { name: string; confirm: boolean } | null {
  const name = UPS_TRAPS[trapOid.replace(/^\./, '')];
  return name ? { name, confirm: STATE_TRAPS.has(name) } : null;
}
