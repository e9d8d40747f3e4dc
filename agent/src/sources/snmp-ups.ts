/**
 * `snmp-ups`: a UPS output read over SNMP with the standard UPS-MIB (RFC 1628).
 * Subject `<name>/output`. upsOutputSource decides the state (table in
 * profiles/ups-mib.ts); battery, input/output lines and present alarms are
 * kept as evidence and gauges. Per poll: one GET of the scalars and one
 * lockstep walk of the line and alarm tables.
 *
 * A UPS that answers but has no upsOutputSource reads `unknown`; one that does
 * not answer throws (coded by the SNMP client) and the poll loop marks it unknown.
 */
import { z } from 'zod';
import type { ProbeSupport, Reading, SourceDeps, SourceInstance, SourceKind } from './types.ts';
import { probeTargetName, targetNameSchema } from './target-name.ts';
import { checkSnmpSettings, snmpSettingsShape, toSnmpTarget } from '../snmp/target-schema.ts';
import { trapClaimer } from '../snmp/address.ts';
import { SNMP_PROBE_FLAGS, flagError, snmpFlags } from '../snmp/probe-flags.ts';
import { openSnmp, type SnmpClientOptions } from '../snmp/client.ts';
import { indexOf } from '../snmp/types.ts';
import type { SnmpClient, SnmpTarget, VarBind } from '../snmp/types.ts';
import { INPUT_COLUMNS, OID, OUTPUT_COLUMNS, OUTPUT_SOURCE_STATE, SCALARS, alarmName, upsTrapKind } from '../profiles/ups-mib.ts';
import type { ColumnDef } from '../profiles/ups-mib.ts';

export const upsTargetSchema = z.strictObject({
  kind: z.literal('snmp-ups'),
  name: targetNameSchema,
  intervalSeconds: z.number().positive().max(3600).default(10),
  ...snmpSettingsShape,
}).superRefine(checkSnmpSettings);

export type UpsTarget = z.output<typeof upsTargetSchema>;

export function toNumber(v: VarBind['value']): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function lines(prefix: 'input' | 'output', defs: readonly ColumnDef[], cols: ReadonlyMap<string, VarBind[]>, gauges: Record<string, number>): Record<string, number | string>[] {
  const rows = new Map<string, Record<string, number | string>>();
  for (const def of defs) {
    for (const vb of cols.get(def.oid) ?? []) {
      const n = toNumber(vb.value);
      if (n === undefined) continue;
      const line = indexOf(def.oid, vb.oid);
      const value = round(n * (def.scale ?? 1));
      if (!rows.has(line)) rows.set(line, { line: Number(line) });
      rows.get(line)![def.name] = value;
      if (def.gauge) gauges[`${prefix}_line${line}_${def.gauge}`] = value;
    }
  }
  return [...rows.values()];
}

/** The reading from one GET of SCALARS and one walk of the tables (pure; unit-tested as a table). */
export function decodeUps(subject: string, scalars: readonly VarBind[], cols: ReadonlyMap<string, VarBind[]>): Reading {
  const evidence: Record<string, unknown> = {};
  const gauges: Record<string, number> = {};
  const byOid = new Map(scalars.map((vb) => [vb.oid.replace(/^\./, ''), vb]));
  for (const def of SCALARS) {
    const n = toNumber(byOid.get(def.oid)?.value ?? null);
    if (n === undefined) continue;
    evidence[def.name] = n;
    const name = def.names?.[n];
    if (def.names) evidence[`${def.name}Name`] = name ?? 'outOfRange';
    if (def.gauge) gauges[def.gauge] = round(n * (def.scale ?? 1));
  }
  const source = evidence.upsOutputSource as number | undefined;
  if (source === undefined) evidence.upsOutputSource = null;
  const input = lines('input', INPUT_COLUMNS, cols, gauges);
  const output = lines('output', OUTPUT_COLUMNS, cols, gauges);
  if (input.length) evidence.input = input;
  if (output.length) evidence.output = output;
  const alarms = (cols.get(OID.upsAlarmDescr) ?? []).map((vb) => (typeof vb.value === 'string' ? alarmName(vb.value) : null)).filter((a): a is string => a !== null);
  if (cols.has(OID.upsAlarmDescr)) evidence.alarms = alarms;
  // A value outside the enum is not a state: unknown, with the number kept as evidence.
  const state = source === undefined ? 'unknown' : (OUTPUT_SOURCE_STATE[source] ?? 'unknown');
  return { subject, kind: 'power', state, evidence, gauges };
}

const TABLE_COLUMNS = [...INPUT_COLUMNS, ...OUTPUT_COLUMNS].map((c) => c.oid).concat(OID.upsAlarmDescr);

/**
 * A UPS's traps only ask for a confirming poll, and only those after which
 * the output may have changed (upsTrapOnBattery, alarm added/removed): the
 * poll reads the state, the trap does not carry it.
 */
export function openUps(t: UpsTarget, deps: SourceDeps, opts: { client?: (t: SnmpTarget, o: SnmpClientOptions) => SnmpClient } = {}): SourceInstance {
  const client = (opts.client ?? openSnmp)(toSnmpTarget(t), { log: deps.log, onMaxRepetitions: deps.snmpMaxRepetitions, now: deps.now, ...(deps.snmpSockets ? { sockets: deps.snmpSockets } : {}) });
  const subject = `${t.name}/output`;
  return {
    async poll() {
      const scalars = await client.get(SCALARS.map((s) => s.oid));
      const cols = await client.walk(TABLE_COLUMNS);
      return [decodeUps(subject, scalars, cols)];
    },
    close: () => client.close(),
    claimsTrap: trapClaimer(t, deps.log),
    onTrap(n) {
      const kind = n.trapOid === null ? null : upsTrapKind(n.trapOid);
      return { readings: [], pollNow: kind?.confirm ?? false, detail: { trap: kind?.name ?? n.trapOid } };
    },
  };
}

const probe: ProbeSupport<UpsTarget> = {
  defaultPort: 161,
  flags: SNMP_PROBE_FLAGS,
  target(host, port, flags) {
    const r = upsTargetSchema.safeParse({ kind: 'snmp-ups', name: probeTargetName(host, 'ups'), host, port, ...snmpFlags('snmp-ups', flags) });
    if (!r.success) throw flagError(r.error);
    return r.data;
  },
  json: (r) => ({ subject: r.subject, state: r.state, evidence: r.evidence, gauges: r.gauges ?? {} }),
  text: (r) => {
    const e = r.evidence;
    const bits = [`upsOutputSource=${e.upsOutputSourceName ?? 'none'}`];
    if (e.upsEstimatedChargeRemaining !== undefined) bits.push(`charge=${String(e.upsEstimatedChargeRemaining)}%`);
    if (e.upsEstimatedMinutesRemaining !== undefined) bits.push(`runtime=${String(e.upsEstimatedMinutesRemaining)}min`);
    if (Array.isArray(e.alarms) && e.alarms.length) bits.push(`alarms=${e.alarms.join(',')}`);
    return `${r.subject}  ${r.state}  ${bits.join(' ')}`;
  },
};

export const snmpUps: SourceKind<UpsTarget> = { kind: 'snmp-ups', schema: upsTargetSchema, open: (t, deps) => openUps(t, deps), probe };
