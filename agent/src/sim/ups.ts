/**
 * A simulated UPS on net-snmp's own agent serving UPS-MIB (RFC 1628): the
 * battery, input, output and alarm groups the snmp-ups source reads, with
 * upsTrapOnBattery and alarm-entry traps. Integration tests run it on port 0
 * and flip it with setSource(); `npm start` runs it with `script`, which loses
 * mains, runs on battery, recovers, and once briefly drops its output.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { OID, OUTPUT_SOURCE_NAMES, UPS_TRAPS, WELL_KNOWN_ALARMS } from '../profiles/ups-mib.ts';
import { listenPlan } from '../snmp/listen.ts';
import { rfcGetBulk } from './getbulk.ts';

export type SimUpsSource = 'other' | 'none' | 'normal' | 'bypass' | 'battery' | 'booster' | 'reducer';

export interface SimUpsOptions {
  port?: number;
  address?: string;
  community?: string;
  /** Where v2c traps go (the agent's trap receiver). */
  trapTo?: { host: string; port: number; community?: string };
  /** Run the demo sequence; `stepMs` is the time between its steps (default 15 s). */
  script?: boolean | { stepMs?: number };
  log?: Logger;
}

export interface SimUps {
  readonly port: number;
  readonly address: string;
  source(): SimUpsSource;
  /** Alarm names present now (upsAlarmTable). */
  alarms(): string[];
  /** Changes upsOutputSource and what follows from it; resolves once its traps are sent. */
  setSource(s: SimUpsSource): Promise<void>;
  close(): Promise<void>;
}

const SOURCE_VALUE = Object.fromEntries(Object.entries(OUTPUT_SOURCE_NAMES).map(([n, name]) => [name, Number(n)])) as Record<SimUpsSource, number>;
const ALARM_ID = Object.fromEntries(Object.entries(WELL_KNOWN_ALARMS).map(([n, name]) => [name, Number(n)]));
const TRAP_OID = Object.fromEntries(Object.entries(UPS_TRAPS).map(([oid, name]) => [name, oid]));

/** Alarms each output source implies (RFC 1628 upsWellKnownAlarms). */
const ALARMS_FOR: Record<SimUpsSource, string[]> = {
  other: [], normal: [], booster: [], reducer: [],
  battery: ['upsAlarmOnBattery', 'upsAlarmInputBad'],
  bypass: ['upsAlarmOnBypass'],
  none: ['upsAlarmUpsOutputOff'],
};

const parent = (instanceOid: string): string => instanceOid.replace(/\.0$/, '');

export async function startSimUps(opts: SimUpsOptions = {}): Promise<SimUps> {
  const address = opts.address ?? '127.0.0.1';
  const plan = listenPlan(opts.port ?? 0, address);
  const log = opts.log;
  const agent = snmp.createAgent({ ...plan.options, disableAuthorization: false }, (err: Error | null) => {
    if (err) log?.debug({ err: err.name }, 'sim ups: request rejected');
  });
  rfcGetBulk(agent, 100);
  agent.getAuthorizer().addCommunity(opts.community ?? 'public');
  const mib = agent.getMib();
  const ro = snmp.MaxAccess['read-only'];
  const T = snmp.ObjectType;

  const bootAt = performance.now();
  const uptime = (): number => Math.floor((performance.now() - bootAt) / 10);
  let source: SimUpsSource = 'normal';
  let onBatterySince: number | null = null;
  let charge = 100;
  let lineBads = 0;
  let nextAlarmId = 1;
  const present = new Map<string, number>(); // alarm name → upsAlarmId

  const secondsOnBattery = (): number => (onBatterySince === null ? 0 : Math.floor((performance.now() - onBatterySince) / 1000));
  // A linear drain: 100 % lasts 30 minutes.
  const chargeNow = (): number => Math.max(0, Math.round(charge - secondsOnBattery() / 18));

  const dynamic = (name: string, oid: string, type: number, value: () => number) => ({
    name, type: snmp.MibProviderType.Scalar, oid: parent(oid), scalarType: type, maxAccess: ro,
    handler: (req: { instanceNode: { value: number }; done(): void }) => { req.instanceNode.value = value(); req.done(); },
  });
  const fixed = (name: string, oid: string, type: number) => ({ name, type: snmp.MibProviderType.Scalar, oid: parent(oid), scalarType: type, maxAccess: ro });

  const scalars = [
    dynamic('sysUpTime', '1.3.6.1.2.1.1.3.0', T.TimeTicks, uptime),
    fixed('upsBatteryStatus', OID.upsBatteryStatus, T.Integer),
    dynamic('upsSecondsOnBattery', OID.upsSecondsOnBattery, T.Integer, secondsOnBattery),
    dynamic('upsEstimatedMinutesRemaining', OID.upsEstimatedMinutesRemaining, T.Integer, () => Math.round(chargeNow() * 0.3)),
    dynamic('upsEstimatedChargeRemaining', OID.upsEstimatedChargeRemaining, T.Integer, chargeNow),
    fixed('upsBatteryVoltage', OID.upsBatteryVoltage, T.Integer),
    fixed('upsInputLineBads', OID.upsInputLineBads, T.Counter),
    fixed('upsInputNumLines', OID.upsInputNumLines, T.Integer),
    fixed('upsOutputSource', OID.upsOutputSource, T.Integer),
    fixed('upsOutputFrequency', OID.upsOutputFrequency, T.Integer),
    fixed('upsOutputNumLines', OID.upsOutputNumLines, T.Integer),
    fixed('upsAlarmsPresent', OID.upsAlarmsPresent, T.Gauge),
  ];
  mib.registerProviders(scalars);
  const tables = [
    { name: 'upsInputEntry', oid: OID.upsInputEntry, cols: [['upsInputLineIndex', T.Integer], ['upsInputFrequency', T.Integer], ['upsInputVoltage', T.Integer], ['upsInputCurrent', T.Integer], ['upsInputTruePower', T.Integer]] },
    { name: 'upsOutputEntry', oid: OID.upsOutputEntry, cols: [['upsOutputLineIndex', T.Integer], ['upsOutputVoltage', T.Integer], ['upsOutputCurrent', T.Integer], ['upsOutputPower', T.Integer], ['upsOutputPercentLoad', T.Integer]] },
    { name: 'upsAlarmEntry', oid: OID.upsAlarmEntry, cols: [['upsAlarmId', T.Integer], ['upsAlarmDescr', T.OID], ['upsAlarmTime', T.TimeTicks]] },
  ] as const;
  mib.registerProviders(tables.map((t) => ({
    name: t.name, type: snmp.MibProviderType.Table, oid: t.oid, maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: t.cols.map(([name, type], i) => ({ number: i + 1, name, type, maxAccess: ro })),
    tableIndex: [{ columnName: t.cols[0][0] }],
  })));
  // Handler-backed scalars compute their value per request; every scalar still needs its instance.
  for (const s of scalars) mib.setScalarValue(s.name, 0);
  mib.setScalarValue('upsInputNumLines', 1);
  mib.setScalarValue('upsOutputNumLines', 1);
  mib.addTableRow('upsInputEntry', [1, 500, 230, 20, 440]);
  mib.addTableRow('upsOutputEntry', [1, 230, 18, 400, 22]);

  const trapSession = opts.trapTo ? (() => {
    const s = snmp.createSession(opts.trapTo!.host, opts.trapTo!.community ?? 'public', {
      // Traps go to trapPort (net-snmp ignores port for traps and would use 162).
      trapPort: opts.trapTo!.port, port: opts.trapTo!.port, transport: opts.trapTo!.host.includes(':') ? 'udp6' : 'udp4', version: snmp.Version2c,
    });
    s.on('error', () => {});
    return s;
  })() : null;
  const trap = (name: string, varbinds: object[]): Promise<void> => new Promise((resolve) => {
    if (!trapSession) { resolve(); return; }
    trapSession.trap(TRAP_OID[name], varbinds, { upTime: uptime() }, (err: Error | null) => {
      if (err) log?.warn({ err: err.message }, 'sim ups: trap not sent');
      resolve();
    });
  });
  const alarmVarbinds = (id: number, name: string) => [
    { oid: `${OID.upsAlarmEntry}.1.${id}`, type: T.Integer, value: id },
    { oid: `${OID.upsAlarmDescr}.${id}`, type: T.OID, value: `${OID.upsWellKnownAlarms}.${ALARM_ID[name]}` },
  ];

  function applyReadings(): void {
    const inputOk = source !== 'battery';
    const outputOn = source !== 'none';
    mib.setScalarValue('upsOutputSource', SOURCE_VALUE[source]);
    mib.setScalarValue('upsBatteryStatus', chargeNow() < 20 ? 3 : 2);
    mib.setScalarValue('upsBatteryVoltage', source === 'battery' ? 520 : 545);
    mib.setScalarValue('upsInputLineBads', lineBads);
    mib.setScalarValue('upsOutputFrequency', outputOn ? 500 : 0);
    mib.setScalarValue('upsAlarmsPresent', present.size);
    mib.setTableSingleCell('upsInputEntry', 2, [1], inputOk ? 500 : 0);
    mib.setTableSingleCell('upsInputEntry', 3, [1], inputOk ? 230 : 0);
    mib.setTableSingleCell('upsInputEntry', 4, [1], inputOk ? 20 : 0);
    mib.setTableSingleCell('upsInputEntry', 5, [1], inputOk ? 440 : 0);
    mib.setTableSingleCell('upsOutputEntry', 2, [1], outputOn ? 230 : 0);
    mib.setTableSingleCell('upsOutputEntry', 3, [1], outputOn ? 18 : 0);
    mib.setTableSingleCell('upsOutputEntry', 4, [1], outputOn ? 400 : 0);
    mib.setTableSingleCell('upsOutputEntry', 5, [1], outputOn ? 22 : 0);
  }
  applyReadings();

  async function setAlarms(wanted: string[]): Promise<void> {
    for (const [name, id] of [...present]) {
      if (wanted.includes(name)) continue;
      present.delete(name);
      mib.deleteTableRow('upsAlarmEntry', [id]);
      await trap('upsTrapAlarmEntryRemoved', alarmVarbinds(id, name));
    }
    for (const name of wanted) {
      if (present.has(name)) continue;
      const id = nextAlarmId++;
      present.set(name, id);
      mib.addTableRow('upsAlarmEntry', [id, `${OID.upsWellKnownAlarms}.${ALARM_ID[name]}`, uptime()]);
      await trap('upsTrapAlarmEntryAdded', alarmVarbinds(id, name));
    }
  }

  const sim: SimUps = {
    port: 0,
    address,
    source: () => source,
    alarms: () => [...present.keys()],
    async setSource(s) {
      if (s === source) return;
      const was = source;
      if (was === 'battery') { charge = chargeNow(); onBatterySince = null; }
      if (s === 'battery') { onBatterySince = performance.now(); lineBads++; }
      source = s;
      applyReadings();
      log?.info({ source: s }, 'sim ups: output source changed');
      // RFC 1628: upsTrapOnBattery carries minutes remaining and seconds on battery.
      if (s === 'battery') {
        await trap('upsTrapOnBattery', [
          { oid: OID.upsEstimatedMinutesRemaining, type: T.Integer, value: Math.round(chargeNow() * 0.3) },
          { oid: OID.upsSecondsOnBattery, type: T.Integer, value: 0 },
        ]);
      }
      await setAlarms(ALARMS_FOR[s]);
      applyReadings();
    },
    async close() {
      timers.forEach((t) => clearTimeout(t));
      trapSession?.close();
      await new Promise<void>((resolve) => agent.close(() => resolve()));
    },
  };

  // Demo sequence for `npm start`: mains lost, battery, recovered, one short output drop.
  const timers: NodeJS.Timeout[] = [];
  if (opts.script) {
    const step = typeof opts.script === 'object' ? (opts.script.stepMs ?? 15_000) : 15_000;
    const plan: [number, SimUpsSource][] = [[1, 'battery'], [3, 'normal'], [5, 'none'], [5.25, 'normal']];
    for (const [at, s] of plan) {
      const t = setTimeout(() => { void sim.setSource(s); }, at * step);
      t.unref();
      timers.push(t);
    }
  }

  try {
    const b = await plan.bound;
    (sim as { port: number }).port = b.port;
  } catch (err) {
    trapSession?.close();
    throw err;
  }
  return sim;
}
