/**
 * A simulated access switch on net-snmp's own agent: IF-MIB ifTable/ifXTable
 * and sysUpTime, customer descriptions in ifAlias, linkDown/linkUp traps, and
 * a reboot that restarts sysUpTime and can renumber ifIndex. Integration
 * tests run it on port 0; `npm start` runs it with `flapEveryMs` so a few
 * ports change state over time.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import { IF, SYS_UPTIME, TICKS_WRAP, TRAP } from '../profiles/if-mib.ts';
import { listenPlan } from '../snmp/listen.ts';
import type { SnmpV3User } from '../snmp/types.ts';
import { v3UserOptions } from '../snmp/session.ts';
import { rfcGetBulk } from './getbulk.ts';
import { speedUp } from './fast-mib.ts';
import { applyQuirks, type QuirkStats, type Quirks } from './quirks.ts';

export interface SimTrapTo {
  host: string;
  port: number;
  /** v2c community; ignored when `user` is given. */
  community?: string;
  /** Send SNMPv3 traps as this user instead of v2c. */
  user?: SnmpV3User;
}

export interface SimSwitchOptions {
  port?: number;
  address?: string;
  /** Access ports ge-M/0/P (48 per member); two uplinks xe-0/1/0 and xe-0/1/1 follow. */
  ports?: number;
  /** ifName (and ifDescr) of the first access ports, in place of ge-M/0/P: any text a device may use. */
  names?: readonly string[];
  community?: string;
  v3User?: SnmpV3User;
  trapTo?: SimTrapTo;
  flapEveryMs?: number;
  /** sysUpTime at start, in centiseconds (tests start near 2^32 to cross the wrap). */
  initialUptime?: number;
  /** Most varbinds in one GETBULK response (snmpd's maxGetbulkResponses is 100). */
  bulkLimit?: number;
  /** Size limits of an embedded agent: drop or refuse (tooBig) requests above a size, or every GETBULK. */
  quirks?: Quirks;
  /** Answer from a sorted OID index instead of net-snmp's O(rows) tree walks (default true; see fast-mib.ts). */
  fastMib?: boolean;
  log?: Logger;
}

export interface SimInterface {
  ifIndex: number;
  ifName: string;
  ifDescr: string;
  ifAlias: string;
  oper: 'up' | 'down';
  admin: 'up' | 'down';
  /** sysUpTime (centiseconds) of the last change, 0 when none since boot. */
  lastChange: number;
}

export interface SimSwitch {
  readonly port: number;
  readonly address: string;
  /** Requests seen by kind, and those dropped or refused by `quirks`. */
  readonly requests: QuirkStats;
  interfaces(): SimInterface[];
  /** Current sysUpTime in centiseconds. */
  uptime(): number;
  /** Changes ifOperStatus and ifLastChange; resolves once the trap (if any) is sent. */
  setOper(ifName: string, state: 'up' | 'down'): Promise<void>;
  setAdmin(ifName: string, state: 'up' | 'down'): void;
  setAlias(ifName: string, alias: string): void;
  /** sysUpTime restarts at 0 and ifLastChange resets; `renumber` rotates every ifIndex by one. */
  reboot(opts?: { renumber?: boolean }): void;
  close(): Promise<void>;
}

const STATUS = { up: 1, down: 2 } as const;
const IF_TYPE = { ethernetCsmacd: 6 } as const;

function buildInterfaces(ports: number, names: readonly string[]): Omit<SimInterface, 'ifIndex'>[] {
  const out: Omit<SimInterface, 'ifIndex'>[] = [];
  for (let i = 1; i <= ports; i++) {
    const ifName = names[i - 1] ?? `ge-${Math.floor((i - 1) / 48)}/0/${((i - 1) % 48) + 1}`;
    out.push({ ifName, ifDescr: `GigabitEthernet ${ifName}`, ifAlias: `CUST:cust-${String(i).padStart(2, '0')}`, oper: 'up', admin: 'up', lastChange: 0 });
  }
  ['xe-0/1/0', 'xe-0/1/1'].forEach((ifName, k) => {
    out.push({ ifName, ifDescr: `10GigabitEthernet ${ifName}`, ifAlias: `UPLINK:core-${k === 0 ? 'a' : 'b'}`, oper: 'up', admin: 'up', lastChange: 0 });
  });
  return out;
}

const col = (oid: string): number => Number(oid.split('.').pop());

function ifTableProviders(): object[] {
  const ro = snmp.MaxAccess['read-only'];
  return [
    {
      name: 'ifEntry', type: snmp.MibProviderType.Table, oid: '1.3.6.1.2.1.2.2.1', maxAccess: snmp.MaxAccess['not-accessible'],
      tableColumns: [
        { number: col(IF.ifIndex), name: 'ifIndex', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: col(IF.ifDescr), name: 'ifDescr', type: snmp.ObjectType.OctetString, maxAccess: ro },
        { number: 3, name: 'ifType', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: col(IF.ifAdminStatus), name: 'ifAdminStatus', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: col(IF.ifOperStatus), name: 'ifOperStatus', type: snmp.ObjectType.Integer, maxAccess: ro },
        { number: col(IF.ifLastChange), name: 'ifLastChange', type: snmp.ObjectType.TimeTicks, maxAccess: ro },
      ],
      tableIndex: [{ columnName: 'ifIndex' }],
    },
    {
      name: 'ifXEntry', type: snmp.MibProviderType.Table, oid: '1.3.6.1.2.1.31.1.1.1', maxAccess: snmp.MaxAccess['not-accessible'],
      tableColumns: [
        { number: col(IF.ifName), name: 'ifName', type: snmp.ObjectType.OctetString, maxAccess: ro },
        { number: col(IF.ifAlias), name: 'ifAlias', type: snmp.ObjectType.OctetString, maxAccess: ro },
      ],
      tableAugments: 'ifEntry',
    },
  ];
}

export async function startSimSwitch(opts: SimSwitchOptions = {}): Promise<SimSwitch> {
  const address = opts.address ?? '127.0.0.1';
  const plan = listenPlan(opts.port ?? 0, address);
  const log = opts.log;
  const agent = snmp.createAgent({ ...plan.options, disableAuthorization: false }, (err: Error | null) => {
    // Rejected requests (wrong community or key) land here; their text may carry the community.
    if (err) log?.debug({ err: err.name }, 'sim switch: request rejected');
  });
  rfcGetBulk(agent, opts.bulkLimit ?? 100);
  const requests = applyQuirks(agent, opts.quirks ?? {});
  agent.getAuthorizer().addCommunity(opts.community ?? 'public');
  if (opts.v3User) agent.getAuthorizer().addUser({ name: opts.v3User.name, ...v3UserOptions(opts.v3User) });

  const mib = agent.getMib();
  let bootAt = performance.now();
  let bootUptime = opts.initialUptime ?? 0;
  const uptime = (): number => (bootUptime + Math.floor((performance.now() - bootAt) / 10)) % TICKS_WRAP;

  mib.registerProvider({
    name: 'sysUpTime', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.3',
    scalarType: snmp.ObjectType.TimeTicks, maxAccess: snmp.MaxAccess['read-only'],
    handler: (req: { instanceNode: { value: number }; done(): void }) => { req.instanceNode.value = uptime(); req.done(); },
  });
  mib.setScalarValue('sysUpTime', 0);
  mib.registerProviders(ifTableProviders());
  const fast = opts.fastMib === false ? null : speedUp(agent, mib, ['ifEntry', 'ifXEntry']);

  const ifs: SimInterface[] = buildInterfaces(opts.ports ?? 48, opts.names ?? []).map((x, p) => ({ ...x, ifIndex: p + 1 }));
  let shift = 0;

  const ENTRY_COLUMNS = [IF.ifIndex, IF.ifDescr, '1.3.6.1.2.1.2.2.1.3', IF.ifAdminStatus, IF.ifOperStatus, IF.ifLastChange, IF.ifName, IF.ifAlias];
  const loadTables = (): void => {
    for (const x of ifs) {
      mib.addTableRow('ifEntry', [x.ifIndex, x.ifDescr, IF_TYPE.ethernetCsmacd, STATUS[x.admin], STATUS[x.oper], x.lastChange]);
      mib.addTableRow('ifXEntry', [x.ifIndex, x.ifName, x.ifAlias]);
    }
    fast?.reindex([SYS_UPTIME, ...ifs.flatMap((x) => ENTRY_COLUMNS.map((c) => `${c}.${x.ifIndex}`))]);
  };
  const clearTables = (): void => {
    for (const x of ifs) {
      mib.deleteTableRow('ifXEntry', [x.ifIndex]);
      mib.deleteTableRow('ifEntry', [x.ifIndex]);
    }
  };
  loadTables();

  const byName = (ifName: string): SimInterface => {
    const x = ifs.find((i) => i.ifName === ifName);
    if (!x) throw new Error(`sim switch has no interface ${ifName}`);
    return x;
  };

  const trapSession = opts.trapTo ? openTrapSession(opts.trapTo) : null;
  const sendTrap = (oid: string, x: SimInterface): Promise<void> => {
    if (!trapSession) return Promise.resolve();
    // RFC 2863 §6: linkDown/linkUp carry ifIndex, ifAdminStatus and ifOperStatus.
    const varbinds = [
      { oid: `${IF.ifIndex}.${x.ifIndex}`, type: snmp.ObjectType.Integer, value: x.ifIndex },
      { oid: `${IF.ifAdminStatus}.${x.ifIndex}`, type: snmp.ObjectType.Integer, value: STATUS[x.admin] },
      { oid: `${IF.ifOperStatus}.${x.ifIndex}`, type: snmp.ObjectType.Integer, value: STATUS[x.oper] },
    ];
    return new Promise((resolve) => {
      trapSession.trap(oid, varbinds, { upTime: uptime() }, (err: Error | null) => {
        if (err) log?.warn({ err: err.message }, 'sim switch: trap not sent');
        resolve();
      });
    });
  };

  const sim: SimSwitch = {
    port: 0,
    address,
    requests,
    interfaces: () => ifs.map((x) => ({ ...x })),
    uptime,
    async setOper(ifName, state) {
      const x = byName(ifName);
      if (x.oper === state) return;
      x.oper = state;
      x.lastChange = uptime();
      mib.setTableSingleCell('ifEntry', col(IF.ifOperStatus), [x.ifIndex], STATUS[state]);
      mib.setTableSingleCell('ifEntry', col(IF.ifLastChange), [x.ifIndex], x.lastChange);
      log?.info({ ifName, state }, 'sim switch: port changed');
      await sendTrap(state === 'down' ? TRAP.linkDown : TRAP.linkUp, x);
    },
    setAdmin(ifName, state) {
      const x = byName(ifName);
      x.admin = state;
      mib.setTableSingleCell('ifEntry', col(IF.ifAdminStatus), [x.ifIndex], STATUS[state]);
    },
    setAlias(ifName, alias) {
      const x = byName(ifName);
      x.ifAlias = alias;
      mib.setTableSingleCell('ifXEntry', col(IF.ifAlias), [x.ifIndex], alias);
    },
    reboot(o = {}) {
      clearTables();
      if (o.renumber) shift++;
      // ifLastChange is 0 for changes before the agent (re)initialised (RFC 2863).
      ifs.forEach((x, p) => { x.ifIndex = ((p + shift) % ifs.length) + 1; x.lastChange = 0; });
      bootAt = performance.now();
      bootUptime = 0;
      loadTables();
      log?.info({ renumber: !!o.renumber }, 'sim switch: rebooted');
    },
    async close() {
      if (flapTimer) clearInterval(flapTimer);
      trapSession?.close();
      await new Promise<void>((resolve) => agent.close(() => resolve()));
    },
  };

  // A few ports take turns going down and coming back, for demos.
  let flapTimer: NodeJS.Timeout | null = null;
  if (opts.flapEveryMs) {
    const flappers = [2, 5, 9].filter((p) => p < ifs.length);
    let turn = 0;
    flapTimer = setInterval(() => {
      const x = ifs[flappers[turn++ % flappers.length]!]!;
      void sim.setOper(x.ifName, x.oper === 'up' ? 'down' : 'up');
    }, opts.flapEveryMs);
    flapTimer.unref();
  }

  try {
    const b = await plan.bound;
    (sim as { port: number }).port = b.port;
  } catch (err) {
    // The port was taken (or not ours to bind): release what was made before failing.
    if (flapTimer) clearInterval(flapTimer);
    trapSession?.close();
    try { agent.close(); } catch { /* its socket never bound */ }
    throw err;
  }
  return sim;
}

function openTrapSession(to: SimTrapTo): any {
  // net-snmp sends traps to `trapPort` (default 162), not `port`.
  const common = { port: to.port, trapPort: to.port, transport: to.host.includes(':') ? 'udp6' : 'udp4' };
  const s = to.user
    ? snmp.createV3Session(to.host, { name: to.user.name, ...v3UserOptions(to.user) }, { ...common, version: snmp.Version3 })
    : snmp.createSession(to.host, to.community ?? 'public', { ...common, version: snmp.Version2c });
  s.on('error', () => {});
  return s;
}
